package sarif_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/report/internal/golden"
	"github.com/isoaudit/isoaudit/pkg/report/internal/reporttest"
	"github.com/isoaudit/isoaudit/pkg/report/sarif"
	"github.com/isoaudit/isoaudit/schema/schematest"
)

func write(t *testing.T, r *audit.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := sarif.New().Write(&buf, r); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func TestWriteMatchesGoldenAndSchema(t *testing.T) {
	for _, tc := range reporttest.Cases() {
		t.Run(tc.Name, func(t *testing.T) {
			got := write(t, tc.Report())
			schematest.SARIF.Require(t, got)
			golden.Assert(t, "sarif-"+tc.Name, got)
		})
	}
}

// TestSchemaCatchesMistakes proves the schema check can fail: a result
// without a message is not SARIF.
func TestSchemaCatchesMistakes(t *testing.T) {
	got := write(t, reporttest.Representative())
	bad := strings.Replace(string(got), `"message": {`, `"massage": {`, 1)
	if err := schematest.SARIF.Validate([]byte(bad)); err == nil {
		t.Fatal("a result without message validated")
	}
}

type log struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Rules []struct {
					ID         string `json:"id"`
					Properties struct {
						SecuritySeverity string `json:"security-severity"`
					} `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Invocations []struct {
			ExecutionSuccessful bool              `json:"executionSuccessful"`
			Notifications       []json.RawMessage `json:"toolExecutionNotifications"`
		} `json:"invocations"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Level     string `json:"level"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
				} `json:"physicalLocation"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Suppressions        []struct {
				Kind, Status, Justification string
			} `json:"suppressions"`
		} `json:"results"`
	} `json:"runs"`
}

// TestGitHubShape checks what GitHub code scanning relies on: every result
// has a location, a rule it points to by index, a fingerprint; waived
// findings are accepted suppressions; passes and unknowns are not results.
func TestGitHubShape(t *testing.T) {
	r := reporttest.Representative()
	var l log
	if err := json.Unmarshal(write(t, r), &l); err != nil {
		t.Fatal(err)
	}
	run := l.Runs[0]
	want := 0
	for _, f := range r.Findings.All() {
		if f.Status == audit.StatusFail || f.Status == audit.StatusWaived {
			want++
		}
	}
	if len(run.Results) != want {
		t.Fatalf("%d results, want %d (fail + waived)", len(run.Results), want)
	}
	suppressed := 0
	for _, res := range run.Results {
		if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %s points at rule %d (%s)", res.RuleID, res.RuleIndex, run.Tool.Driver.Rules[res.RuleIndex].ID)
		}
		if len(res.Locations) != 1 || res.Locations[0].PhysicalLocation.ArtifactLocation.URI == "" {
			t.Errorf("result %s has no location", res.RuleID)
		}
		if res.PartialFingerprints["primaryLocationLineHash"] == "" {
			t.Errorf("result %s has no fingerprint", res.RuleID)
		}
		if len(res.Suppressions) > 0 {
			suppressed++
			if s := res.Suppressions[0]; s.Kind != "external" || s.Status != "accepted" || !strings.Contains(s.Justification, "WVR-2026-014") {
				t.Errorf("suppression = %+v", s)
			}
		}
	}
	if suppressed != 1 {
		t.Errorf("%d suppressed results, want 1 (the waived finding)", suppressed)
	}
	if run.Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI != "docker/node-7.example.internal/web-1" {
		t.Errorf("pseudo-path = %q", run.Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI)
	}
	if run.Invocations[0].ExecutionSuccessful || len(run.Invocations[0].Notifications) != 3 {
		t.Errorf("invocation: successful=%v, %d notifications; want false and 3 (1 error finding + 2 scan errors)",
			run.Invocations[0].ExecutionSuccessful, len(run.Invocations[0].Notifications))
	}
	for _, rule := range run.Tool.Driver.Rules {
		if rule.ID == "CE-PRIV-001" && rule.Properties.SecuritySeverity != "9.5" {
			t.Errorf("CE-PRIV-001 security-severity = %q", rule.Properties.SecuritySeverity)
		}
	}
}

func TestPseudoPathEscapes(t *testing.T) {
	a := &audit.AssetResult{Asset: &audit.Asset{ID: "x", Name: "my vm/1", Platform: "libvirt"}, Host: ""}
	if got := sarif.PseudoPath(a); got != "libvirt/unknown-host/my%20vm%2F1" {
		t.Errorf("PseudoPath = %q", got)
	}
}
