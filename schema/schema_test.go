package schema_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/schema"
	"github.com/isoaudit/isoaudit/schema/schematest"
)

// load parses the embedded schema into generic JSON.
func load(t *testing.T) map[string]any {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(schema.ReportV1, &d); err != nil {
		t.Fatalf("parse schema: %v", err)
	}
	return d
}

// at follows keys into the schema; it fails t if a key is missing.
func at(t *testing.T, v any, keys ...string) any {
	t.Helper()
	for i, k := range keys {
		m, ok := v.(map[string]any)
		if !ok || m[k] == nil {
			t.Fatalf("schema has no %v", keys[:i+1])
		}
		v = m[k]
	}
	return v
}

func strs(t *testing.T, v any, keys ...string) []string {
	t.Helper()
	var out []string
	for _, e := range at(t, v, keys...).([]any) {
		out = append(out, e.(string))
	}
	return out
}

func TestReportV1Compiles(t *testing.T) {
	if _, err := schematest.ReportV1(); err != nil {
		t.Fatal(err)
	}
}

func TestReportV1Identity(t *testing.T) {
	d := load(t)
	if got := at(t, d, "$schema"); got != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %q, want draft 2020-12", got)
	}
	if got := at(t, d, "$id"); got != schema.ReportV1ID {
		t.Errorf("$id = %q, want ReportV1ID %q", got, schema.ReportV1ID)
	}
	pattern := at(t, d, "properties", "schema_version", "pattern").(string)
	if !regexp.MustCompile(pattern).MatchString(audit.SchemaVersion) {
		t.Errorf("schema_version pattern %q rejects audit.SchemaVersion %q", pattern, audit.SchemaVersion)
	}
}

// TestEnumsMatchAudit keeps the schema's vocabularies equal to pkg/audit's.
func TestEnumsMatchAudit(t *testing.T) {
	d := load(t)
	var statuses, severities []string
	for _, s := range audit.Statuses() {
		statuses = append(statuses, string(s))
	}
	for _, s := range audit.Severities() {
		severities = append(severities, s.String())
	}
	tests := []struct {
		name      string
		got, want []string
	}{
		{"status", strs(t, d, "$defs", "status", "enum"), statuses},
		{"severity", strs(t, d, "$defs", "severity", "enum"), severities},
		{"asset kind", strs(t, d, "$defs", "asset", "properties", "kind", "enum"),
			[]string{string(audit.KindContainer), string(audit.KindVM), string(audit.KindHost)}},
		{"source status", strs(t, d, "$defs", "source", "properties", "status", "enum"),
			[]string{audit.SourceOK, audit.SourceError, audit.SourceSkipped}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, want := slices.Sorted(slices.Values(tc.got)), slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(got, want) {
				t.Errorf("schema enum %v, pkg/audit has %v", got, want)
			}
		})
	}
}

func TestPatterns(t *testing.T) {
	d := load(t)
	tests := []struct {
		def    string
		accept []string
		reject []string
	}{
		{"check_id",
			[]string{"CE-PRIV-001", "LV-015", "VMX-010", "KH-003", "CE-DAEMON-001", "GS-010", "CE-V2-001"},
			[]string{"ce-priv-001", "CE-PRIV-01", "CE-PRIV-0001", "CE--001", "001", "CE-PRIV-001 "}},
		{"grade", []string{"A", "F", "A+", "B-"}, []string{"", "a", "G", "A++", "10"}},
		{"name", []string{"docker", "inspect-file", "vmware"}, []string{"Docker", "", "-x", "in spect"}},
	}
	for _, tc := range tests {
		t.Run(tc.def, func(t *testing.T) {
			re := regexp.MustCompile(at(t, d, "$defs", tc.def, "pattern").(string))
			for _, s := range tc.accept {
				if !re.MatchString(s) {
					t.Errorf("%s pattern rejects %q", tc.def, s)
				}
			}
			for _, s := range tc.reject {
				if re.MatchString(s) {
					t.Errorf("%s pattern accepts %q", tc.def, s)
				}
			}
		})
	}
}
