package json_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/report/internal/golden"
	"github.com/isoaudit/isoaudit/pkg/report/internal/reporttest"
	reportjson "github.com/isoaudit/isoaudit/pkg/report/json"
)

// TestDecodeRoundTrip: decoding a written report and writing it again
// reproduces it byte for byte, for every fixture and every golden file.
func TestDecodeRoundTrip(t *testing.T) {
	for _, tc := range reporttest.Cases() {
		t.Run(tc.Name, func(t *testing.T) {
			first := write(t, tc.Report())
			rep, err := reportjson.Decode(bytes.NewReader(first))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if again := write(t, rep); !bytes.Equal(first, again) {
				t.Errorf("re-encoded report differs:\nfirst: %s\nagain: %s", first, again)
			}
		})
		t.Run("golden/"+tc.Name, func(t *testing.T) {
			saved, err := os.ReadFile(golden.Path(t, "json-"+tc.Name))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := reportjson.Decode(bytes.NewReader(saved))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if again := write(t, rep); !bytes.Equal(saved, again) {
				t.Errorf("re-encoded golden file differs:\n%s", again)
			}
		})
	}
}

// TestDecodeEvidenceKeepsRawJSON: evidence values come back as the JSON
// they were written as, including HTML characters the writer escaped.
func TestDecodeEvidenceKeepsRawJSON(t *testing.T) {
	r := reporttest.Clean()
	r.Findings.Update(0, func(f *audit.Finding) {
		f.Evidence = append(f.Evidence, reporttestEvidence("a<b>&c"), reporttestEvidence(map[string]any{"z": 1.5, "a": []int{1}}))
	})
	first := write(t, r)
	rep, err := reportjson.Decode(bytes.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	if again := write(t, rep); !bytes.Equal(first, again) {
		t.Errorf("differs:\n%s\n%s", first, again)
	}
}

func TestDecodeRejectsBadInput(t *testing.T) {
	valid := string(write(t, reporttest.Representative()))
	tests := []struct {
		name, input, wantErr string
	}{
		{"empty", "", "empty input"},
		{"not JSON", "hello", jsonErr("invalid JSON at byte 1", "invalid JSON at byte 0")},
		{"truncated", valid[:len(valid)/2], "truncated JSON"},
		{"not an object", "[1,2]", "expected json.document"},
		{"no schema version", `{"tool":{}}`, "schema_version missing"},
		{"other major", `{"schema_version":"2.0","created_at":"2026-07-01T12:00:03Z"}`, `schema_version "2.0": this isoaudit reads 1.x`},
		{"bad time", `{"schema_version":"1.0","created_at":"yesterday"}`, `created_at "yesterday" is not an RFC 3339 time`},
		{"wrong type", `{"schema_version":"1.0","created_at":"2026-07-01T12:00:03Z","assets":[{"risk":"high"}]}`, jsonErr("field assets.risk: expected float64", "field assets.0.risk: expected float64")},
		{"bad severity", strings.Replace(valid, `"severity":"critical"`, `"severity":"urgent"`, 1), `findings[0]: severity: unknown severity "urgent"`},
		{"bad status", strings.Replace(valid, `"status":"fail"`, `"status":"broken"`, 1), `findings[0]: status: unknown status "broken"`},
		{"bad kind", strings.Replace(valid, `"kind":"container"`, `"kind":"pod"`, 1), `unknown kind "pod"`},
		{"trailing data", valid + "{}", "unexpected data after the report object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := reportjson.Decode(strings.NewReader(tc.input))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Decode error = %v, want it to contain %q", err, tc.wantErr)
			}
			if !strings.HasPrefix(err.Error(), "decode json report: ") || strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one prefixed line: %q", err)
			}
		})
	}
}

// TestDecodeAcceptsNewerMinor: a 1.x report with fields this version does
// not know decodes (consumers ignore unknown fields) and is re-rendered in
// this version's contract.
func TestDecodeAcceptsNewerMinor(t *testing.T) {
	saved := strings.Replace(string(write(t, reporttest.Clean())), `"schema_version": "1.0"`, `"schema_version": "1.7", "future": {"x": 1}`, 1)
	rep, err := reportjson.Decode(strings.NewReader(saved))
	if err != nil {
		t.Fatal(err)
	}
	if rep.SchemaVersion != "1.0" || rep.Findings.Len() != 2 {
		t.Errorf("decoded %q with %d findings", rep.SchemaVersion, rep.Findings.Len())
	}
}

func reporttestEvidence(actual any) audit.Evidence {
	return audit.Evidence{Path: "x", Actual: actual, Expected: "y"}
}

// TestDecodeRoundTripWorkflowSections: the waivers, baseline and policy
// sections and the findings' waiver and baseline marks survive a decode,
// so `isoaudit convert` keeps them.
func TestDecodeRoundTripWorkflowSections(t *testing.T) {
	r := reporttest.Representative()
	r.Findings.Update(0, func(f *audit.Finding) { f.Baseline = audit.BaselineNew })
	for i := range r.Findings.All() {
		if r.Findings.At(i).Status == audit.StatusWaived {
			r.Findings.Update(i, func(f *audit.Finding) { f.Waiver = "W-1" })
		}
	}
	sha := strings.Repeat("ab", 32)
	r.Waivers = &audit.WaiverReport{File: "w.yaml", SHA256: sha, Entries: []audit.WaiverResult{
		{ID: "W-1", CheckID: "CE-PRIV-001", Status: audit.WaiverApplied, Expires: "2026-12-31", Approver: "sec", Findings: 1}}}
	r.Baseline = &audit.BaselineReport{File: "old.json", SHA256: sha, CreatedAt: "2026-06-30T12:00:00Z", New: 1, Unchanged: 2,
		Resolved: []audit.ResolvedFinding{{ID: sha, CheckID: "CE-SOCK-001", AssetID: "docker://h/x", Severity: audit.SeverityCritical, Title: "t"}}}
	r.Policy = &audit.PolicyReport{Name: "cis", File: "policies/cis.yaml", SHA256: sha, Framework: "CIS", Controls: []audit.ControlResult{
		{ID: "5.5", Title: "t", Checks: []string{"CE-PRIV-001"}, Status: audit.ControlFail, Failed: 1, Assets: []string{"docker://h/x"}}}}
	first := write(t, r)
	if !bytes.Contains(first, []byte(`"waivers": {`)) || !bytes.Contains(first, []byte(`"baseline":"new"`)) {
		t.Fatalf("sections not written:\n%s", first)
	}
	rep, err := reportjson.Decode(bytes.NewReader(first))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if again := write(t, rep); !bytes.Equal(first, again) {
		t.Errorf("re-encoded report differs:\nfirst: %s\nagain: %s", first, again)
	}
}
