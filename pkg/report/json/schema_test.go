package json_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/report/internal/reporttest"
	"github.com/isoaudit/isoaudit/schema/schematest"
)

// TestSchemaRejects proves the schema has teeth: each case breaks one rule
// of the contract in otherwise valid writer output, and validation must
// fail at that location. Without this, a schema that accepted anything
// would let every positive test pass.
func TestSchemaRejects(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(doc map[string]any)
		want   string // the failing instance location or keyword in the validation error
	}{
		{"status not in enum", func(d map[string]any) { finding(d, 0)["status"] = "failed" }, "at '/findings/0/status'"},
		{"severity not in enum", func(d map[string]any) { finding(d, 0)["severity"] = "severe" }, "at '/findings/0/severity'"},
		{"missing check_id", func(d map[string]any) { delete(finding(d, 0), "check_id") }, "at '/findings/0': missing property 'check_id'"},
		{"missing evidence array", func(d map[string]any) { delete(finding(d, 0), "evidence") }, "at '/findings/0': missing property 'evidence'"},
		{"check_id in lower case", func(d map[string]any) { finding(d, 0)["check_id"] = "ce-priv-001" }, "at '/findings/0/check_id'"},
		{"check_id with two digits", func(d map[string]any) { finding(d, 0)["check_id"] = "CE-PRIV-01" }, "at '/findings/0/check_id'"},
		{"chain entry not a check id", func(d map[string]any) { finding(d, 1)["chain"] = []any{"cap sys admin"} }, "at '/findings/1/chain/0'"},
		{"finding id not 64 hex", func(d map[string]any) { finding(d, 0)["id"] = "d9e6511d" }, "at '/findings/0/id'"},
		{"finding id in upper-case hex", func(d map[string]any) {
			finding(d, 0)["id"] = strings.ToUpper(finding(d, 0)["id"].(string))
		}, "at '/findings/0/id'"},
		{"unknown finding without message", func(d map[string]any) { delete(findingAt(t, d, 9, "status", "unknown"), "message") }, "at '/findings/9': missing property 'message'"},
		{"error finding without message", func(d map[string]any) { delete(findingAt(t, d, 12, "status", "error"), "message") }, "at '/findings/12': missing property 'message'"},
		{"passing finding with weight", func(d map[string]any) { findingAt(t, d, 7, "status", "pass")["weight"] = 0.5 }, "at '/findings/7/weight'"},
		{"mitigation factor of 1", func(d map[string]any) {
			findingAt(t, d, 4, "check_id", "CE-MNT-003")["mitigations"].([]any)[0].(map[string]any)["factor"] = 1
		}, "at '/findings/4/mitigations/0/factor'"},
		{"evidence without actual", func(d map[string]any) {
			delete(finding(d, 0)["evidence"].([]any)[0].(map[string]any), "actual")
		}, "at '/findings/0/evidence/0': missing property 'actual'"},
		{"asset kind not in enum", func(d map[string]any) { asset(d, 0)["kind"] = "pod" }, "at '/assets/0/kind'"},
		{"risk above 100", func(d map[string]any) { asset(d, 0)["risk"] = 100.5 }, "at '/assets/0/risk'"},
		{"negative risk", func(d map[string]any) { asset(d, 0)["risk"] = -1 }, "at '/assets/0/risk'"},
		{"grade not a letter", func(d map[string]any) { asset(d, 0)["grade"] = "Z" }, "at '/assets/0/grade'"},
		{"label value not a string", func(d map[string]any) { asset(d, 1)["labels"].(map[string]any)["tier"] = 1 }, "at '/assets/1/labels/tier'"},
		{"source status not in enum", func(d map[string]any) { source(d, 0)["status"] = "partial" }, "at '/sources/0/status'"},
		{"failed source without error", func(d map[string]any) { delete(source(d, 3), "error") }, "at '/sources/3': missing property 'error'"},
		{"created_at not RFC 3339", func(d map[string]any) { d["created_at"] = "yesterday" }, "at '/created_at'"},
		{"schema_version 2.0", func(d map[string]any) { d["schema_version"] = "2.0" }, "at '/schema_version'"},
		{"missing summary", func(d map[string]any) { delete(d, "summary") }, "at '': missing property 'summary'"},
		{"by_severity without info", func(d map[string]any) { delete(summary(d)["by_severity"].(map[string]any), "info") }, "at '/summary/by_severity': missing property 'info'"},
		{"negative count", func(d map[string]any) { summary(d)["by_status"].(map[string]any)["fail"] = -1 }, "at '/summary/by_status/fail'"},
		{"gate result not in enum", func(d map[string]any) { summary(d)["gate"].(map[string]any)["result"] = "tripped" }, "at '/summary/gate/result'"},
		{"null instead of []", func(d map[string]any) { d["errors"] = nil }, "at '/errors'"},
		{"scan error without message", func(d map[string]any) { delete(d["errors"].([]any)[0].(map[string]any), "message") }, "at '/errors/0': missing property 'message'"},
		{"unknown field in a finding", func(d map[string]any) { finding(d, 0)["cvss"] = 9.8 }, "at '/findings/0': additional properties 'cvss' not allowed"},
		{"unknown top-level field", func(d map[string]any) { d["scan"] = map[string]any{} }, "at '': additional properties 'scan' not allowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := decode(t, write(t, reporttest.Representative()))
			tc.mutate(doc)
			err := schematest.ValidateReport(encode(t, doc))
			if err == nil {
				t.Fatal("schema accepted the broken report")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("validation failed for another reason; want %q in:\n%v", tc.want, err)
			}
		})
	}
}

func decode(t *testing.T, data []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func encode(t *testing.T, doc map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func item(d map[string]any, key string, i int) map[string]any {
	return d[key].([]any)[i].(map[string]any)
}
func finding(d map[string]any, i int) map[string]any { return item(d, "findings", i) }
func asset(d map[string]any, i int) map[string]any   { return item(d, "assets", i) }
func source(d map[string]any, i int) map[string]any  { return item(d, "sources", i) }
func summary(d map[string]any) map[string]any        { return d["summary"].(map[string]any) }

// findingAt returns finding i after checking that its key has value, so a
// change to the fixture cannot make a case test something else.
func findingAt(t *testing.T, d map[string]any, i int, key, value string) map[string]any {
	t.Helper()
	f := finding(d, i)
	if f[key] != value {
		t.Fatalf("fixture finding %d has %s %v, want %q", i, key, f[key], value)
	}
	return f
}
