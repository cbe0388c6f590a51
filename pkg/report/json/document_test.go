package json

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// TestDocumentCoversAudit fails when pkg/audit gains (or renames) a
// reported field that the wire form does not carry, so the JSON contract
// never drifts silently: add the field here and to the schema.
func TestDocumentCoversAudit(t *testing.T) {
	tests := []struct {
		name  string
		audit any
		wire  any
	}{
		{"report", audit.Report{}, document{}},
		{"tool", audit.Tool{}, tool{}},
		{"source", audit.Source{}, source{}},
		{"asset", audit.AssetResult{}, asset{}},
		{"finding", audit.Finding{}, finding{}},
		{"evidence", audit.Evidence{}, evidence{}},
		{"mitigation", audit.AppliedMitigation{}, mitigation{}},
		{"summary", audit.Summary{}, summary{}},
		{"gate", audit.GateResult{}, gate{}},
		{"scan error", audit.ScanError{}, scanError{}},
		{"waivers", audit.WaiverReport{}, waivers{}},
		{"waiver result", audit.WaiverResult{}, waiverResult{}},
		{"baseline", audit.BaselineReport{}, baseline{}},
		{"resolved", audit.ResolvedFinding{}, resolved{}},
		{"policy", audit.PolicyReport{}, policyDoc{}},
		{"control", audit.ControlResult{}, control{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want, got := jsonNames(reflect.TypeOf(tc.audit)), jsonNames(reflect.TypeOf(tc.wire))
			if !slices.Equal(want, got) {
				t.Errorf("json fields differ:\n  audit: %v\n  wire:  %v", want, got)
			}
		})
	}
}

// jsonNames lists the JSON keys a struct encodes, embedded structs
// flattened, "-" fields skipped, sorted.
func jsonNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if f.Anonymous && tag == "" {
			embedded := f.Type
			if embedded.Kind() == reflect.Pointer {
				embedded = embedded.Elem()
			}
			names = append(names, jsonNames(embedded)...)
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
