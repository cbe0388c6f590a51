package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/schema/schematest"
)

// criticalWaivers waives the six critical failures of risky.json; the
// first expires on expiresFirst.
func criticalWaivers(expiresFirst string) string {
	entries := []struct{ check, asset string }{
		{"CE-PRIV-001", "fx-privileged"}, {"CE-CHAIN-002", "fx-privileged"}, {"CE-CHAIN-010", "fx-privileged"},
		{"CE-SOCK-001", "fx-socket"}, {"CE-CHAIN-001", "fx-socket"}, {"CE-CHAIN-008", "fx-host*"},
	}
	var b strings.Builder
	b.WriteString("waivers:\n")
	for i, e := range entries {
		exp := "2099-12-31"
		if i == 0 {
			exp = expiresFirst
		}
		fmt.Fprintf(&b, "  - id: W-%d\n    check: %s\n    selector: {asset: %q}\n    reason: accepted for the test\n    approver: sec@example.com\n    expires: %s\n",
			i+1, e.check, e.asset, exp)
	}
	b.WriteString("  - id: W-STALE\n    check: CE-DEV-001\n    selector: {asset: \"*\"}\n    reason: nothing has a device any more\n    approver: sec@example.com\n    expires: 2099-12-31\n")
	return b.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func decodeReport(t *testing.T, data string) *audit.Report {
	t.Helper()
	schematest.RequireValidReport(t, []byte(data))
	var r audit.Report
	if err := json.Unmarshal([]byte(data), &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func TestScanWaivers(t *testing.T) {
	risky := testdata("risky.json")
	_, plain, _ := run(t, "", "scan", "--inspect", risky, "-o", "json")
	before := decodeReport(t, plain)

	t.Run("waived criticals pass the gate and leave the score", func(t *testing.T) {
		w := writeFile(t, "waivers.yaml", criticalWaivers("2099-12-31"))
		code, stdout, stderr := run(t, "", "scan", "--inspect", risky, "--waivers", w, "--fail-on", "critical", "-o", "json")
		if code != ExitOK {
			t.Fatalf("exit %d, want 0: %s", code, stderr)
		}
		r := decodeReport(t, stdout)
		if r.Summary.ByStatus["waived"] != 6 || r.Summary.BySeverity["critical"] != 0 {
			t.Errorf("by_status %v by_severity %v, want 6 waived and no failed critical", r.Summary.ByStatus, r.Summary.BySeverity)
		}
		for _, f := range r.Findings.All() {
			if f.Status == audit.StatusWaived && (f.Waiver == "" || f.Weight != 0 || !strings.Contains(f.Message, "sec@example.com")) {
				t.Errorf("waived finding %s: waiver %q weight %v message %q", f.CheckID, f.Waiver, f.Weight, f.Message)
			}
		}
		if risk(r, "fx-privileged") >= risk(before, "fx-privileged") {
			t.Errorf("fx-privileged risk %v not below the unwaived %v", risk(r, "fx-privileged"), risk(before, "fx-privileged"))
		}
		data, _ := os.ReadFile(w)
		if r.Waivers == nil || r.Waivers.File != w || r.Waivers.SHA256 != sha256Hex(data) {
			t.Fatalf("waivers section = %+v", r.Waivers)
		}
		st := map[string]string{}
		for _, e := range r.Waivers.Entries {
			st[e.ID] = e.Status
		}
		if st["W-1"] != "applied" || st["W-6"] != "applied" || st["W-STALE"] != "unmatched" {
			t.Errorf("entry statuses %v", st)
		}
	})

	t.Run("an expired waiver fails the gate again", func(t *testing.T) {
		w := writeFile(t, "waivers.yaml", criticalWaivers("2020-01-31"))
		code, stdout, _ := run(t, "", "scan", "--inspect", risky, "--waivers", w, "--fail-on", "critical", "-o", "json")
		if code != ExitGate {
			t.Fatalf("exit %d, want 1", code)
		}
		r := decodeReport(t, stdout)
		if r.Waivers.Entries[0].Status != "expired" || r.Waivers.Entries[0].Findings != 1 {
			t.Errorf("W-1 = %+v, want expired with 1 finding", r.Waivers.Entries[0])
		}
		if r.Summary.Gate == nil || !strings.Contains(strings.Join(r.Summary.Gate.Reasons, " "), "1 failed finding") {
			t.Errorf("gate = %+v", r.Summary.Gate)
		}
	})

	t.Run("an invalid file is an input error naming its line", func(t *testing.T) {
		w := writeFile(t, "bad.yaml", "waivers:\n  - id: W-1\n    check: CE-PRIV-001\n    selector: {asset: x}\n    reason: r\n    approver: a\n    expires: soon\n")
		code, stdout, stderr := run(t, "", "scan", "--inspect", risky, "--waivers", w)
		if code != ExitUsage || stdout != "" || !strings.Contains(stderr, "bad.yaml: line 7:") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("exit %d stderr %q, want exit 2 and one line naming line 7", code, stderr)
		}
	})
}

func TestScanBaseline(t *testing.T) {
	risky := testdata("risky.json")
	// without.json is risky.json less its fx-socket container.
	var docs []map[string]any
	data, err := os.ReadFile(risky)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &docs); err != nil {
		t.Fatal(err)
	}
	var kept []map[string]any
	for _, d := range docs {
		if d["Name"] != "/fx-socket" {
			kept = append(kept, d)
		}
	}
	if len(kept) != len(docs)-1 {
		t.Fatalf("fixture changed: no /fx-socket among %d containers", len(docs))
	}
	smaller, _ := json.Marshal(kept)
	// The same inspect file name keeps the asset ids equal across both.
	without := filepath.Join(t.TempDir(), "risky.json")
	if err := os.WriteFile(without, smaller, 0o600); err != nil {
		t.Fatal(err)
	}
	save := func(inspect string) string {
		t.Helper()
		p := filepath.Join(t.TempDir(), "old.json")
		if code, _, stderr := run(t, "", "scan", "--inspect", inspect, "-o", "json="+p); code != ExitOK {
			t.Fatalf("baseline scan: exit %d %s", code, stderr)
		}
		return p
	}

	t.Run("unchanged input has no new finding", func(t *testing.T) {
		old := save(risky)
		code, stdout, stderr := run(t, "", "scan", "--inspect", risky, "--baseline", old, "--fail-on-new", "-o", "json")
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		r := decodeReport(t, stdout)
		if r.Baseline == nil || r.Baseline.New != 0 || r.Baseline.Unchanged != r.Summary.ByStatus["fail"] || len(r.Baseline.Resolved) != 0 {
			t.Fatalf("baseline = %+v (fails %d)", r.Baseline, r.Summary.ByStatus["fail"])
		}
		for _, f := range r.Findings.All() {
			want := ""
			if f.Status == audit.StatusFail {
				want = audit.BaselineUnchanged
			}
			if f.Baseline != want {
				t.Errorf("%s %s: baseline %q, want %q", f.CheckID, f.AssetID, f.Baseline, want)
			}
		}
	})

	t.Run("a new container's failures are new and trip --fail-on-new", func(t *testing.T) {
		old := save(without)
		code, stdout, _ := run(t, "", "scan", "--inspect", risky, "--baseline", old, "--fail-on-new", "-o", "json")
		if code != ExitGate {
			t.Fatalf("exit %d, want 1", code)
		}
		r := decodeReport(t, stdout)
		n := 0
		for _, f := range r.Findings.All() {
			isNew := f.Baseline == audit.BaselineNew
			if isNew != (f.Status == audit.StatusFail && strings.HasSuffix(f.AssetID, "/fx-socket")) {
				t.Errorf("%s %s %s: baseline %q", f.CheckID, f.AssetID, f.Status, f.Baseline)
			}
			if isNew {
				n++
			}
		}
		if n == 0 || r.Baseline.New != n {
			t.Errorf("baseline.new = %d, %d findings marked new", r.Baseline.New, n)
		}
		// --fail-on narrows --fail-on-new to severities: fx-socket's worst is critical.
		if code, _, _ := run(t, "", "scan", "--inspect", risky, "--baseline", old, "--fail-on-new", "--fail-on", "critical"); code != ExitGate {
			t.Errorf("--fail-on critical --fail-on-new: exit %d, want 1", code)
		}
		// Without --fail-on-new, a plain --fail-on still sees every failure.
		if code, _, _ := run(t, "", "scan", "--inspect", without, "--baseline", old, "--fail-on", "critical"); code != ExitGate {
			t.Errorf("--fail-on critical with a baseline: exit %d, want 1", code)
		}
	})

	t.Run("a removed container's failures are resolved", func(t *testing.T) {
		old := save(risky)
		code, stdout, _ := run(t, "", "scan", "--inspect", without, "--baseline", old, "--fail-on-new", "-o", "json")
		if code != ExitOK {
			t.Fatalf("exit %d, want 0", code)
		}
		r := decodeReport(t, stdout)
		if len(r.Baseline.Resolved) == 0 || r.Baseline.New != 0 {
			t.Fatalf("baseline = %+v", r.Baseline)
		}
		for _, f := range r.Baseline.Resolved {
			if !strings.HasSuffix(f.AssetID, "/fx-socket") || f.AssetPresent {
				t.Errorf("resolved %+v: want fx-socket's, asset gone", f)
			}
		}
	})

	t.Run("bad baselines are input errors", func(t *testing.T) {
		for name, args := range map[string][]string{
			"fail-on-new alone":  {"--fail-on-new"},
			"not a report":       {"--baseline", risky},
			"missing file":       {"--baseline", "/nonexistent/old.json"},
			"other schema major": {"--baseline", writeFile(t, "v2.json", `{"schema_version":"2.0","findings":[]}`)},
		} {
			code, _, stderr := run(t, "", append([]string{"scan", "--inspect", risky}, args...)...)
			if code != ExitUsage || strings.Count(stderr, "\n") != 1 {
				t.Errorf("%s: exit %d stderr %q, want 2 with one line", name, code, stderr)
			}
		}
	})
}

func risk(r *audit.Report, name string) float64 {
	for _, a := range r.Assets {
		if a.Name == name {
			return a.Risk
		}
	}
	return -1
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestScanCompose(t *testing.T) {
	risky := filepath.Join("..", "..", "testdata", "compose", "risky.yaml")
	code, stdout, stderr := run(t, "", "scan", "--compose", risky, "--fail-on", "critical", "-o", "json")
	if code != ExitGate {
		t.Fatalf("exit %d, want 1 (the agent service is privileged): %s", code, stderr)
	}
	r := decodeReport(t, stdout)
	if len(r.Sources) != 1 || r.Sources[0].Kind != "compose" || r.Sources[0].Assets != 3 {
		t.Fatalf("sources = %+v", r.Sources)
	}
	if strings.Contains(stdout, "not-a-real-secret") {
		t.Error("an environment value reached the report")
	}

	bad := writeFile(t, "compose.yaml", "services:\n  a:\n    image: alpine\n    privilegd: true\n")
	code, stdout, stderr = run(t, "", "scan", "--compose", bad)
	if code != ExitUsage || stdout != "" || !strings.Contains(stderr, "privilegd") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("bad compose file: exit %d, stderr %q", code, stderr)
	}
}

func TestScanPolicy(t *testing.T) {
	risky := testdata("risky.json")
	t.Run("strict gates by itself", func(t *testing.T) {
		code, stdout, _ := run(t, "", "scan", "--inspect", risky, "--policy", "strict", "-o", "json")
		if code != ExitGate {
			t.Fatalf("exit %d, want 1 from strict's gate", code)
		}
		r := decodeReport(t, stdout)
		if r.Policy == nil || r.Policy.Name != "strict" || r.Policy.File != "policies/strict.yaml" || len(r.Policy.Controls) != 0 {
			t.Fatalf("policy = %+v", r.Policy)
		}
		for _, f := range r.Findings.All() {
			if f.CheckID == "CE-LSM-004" && f.Severity != audit.SeverityHigh {
				t.Errorf("CE-LSM-004 severity %s, want strict's high", f.Severity)
			}
		}
		if risk(r, "fx-default") <= risk(decodeReport(t, mustRun(t, "scan", "--inspect", risky, "-o", "json")), "fx-default") {
			t.Error("strict's heavier weights should raise fx-default's risk")
		}
	})
	t.Run("flags override the policy's gate", func(t *testing.T) {
		if code, _, _ := run(t, "", "scan", "--inspect", testdata("risky.json"), "--policy", "strict", "--fail-on", "critical", "--max-risk", "100"); code != ExitGate {
			t.Errorf("--fail-on critical: exit %d, want 1 (risky.json has critical failures)", code)
		}
		hardened := writeFile(t, "policy.yaml", "name: lenient\ngate: {fail_on: critical}\nchecks: {exclude: [CE-PRIV-001, CE-SOCK-001, \"CE-CHAIN-*\"]}\n")
		if code, _, stderr := run(t, "", "scan", "--inspect", risky, "--policy", hardened); code != ExitOK {
			t.Errorf("no critical left after the exclusions: exit %d %s", code, stderr)
		}
		if code, _, _ := run(t, "", "scan", "--inspect", risky, "--policy", hardened, "--fail-on", "high"); code != ExitGate {
			t.Errorf("--fail-on high over the policy: exit %d, want 1", code)
		}
	})
	t.Run("cis groups by control", func(t *testing.T) {
		code, stdout, _ := run(t, "", "scan", "--inspect", risky, "--policy", "cis-docker-1.6", "-o", "json")
		if code != ExitOK {
			t.Fatalf("exit %d", code)
		}
		r := decodeReport(t, stdout)
		verdict := map[string]string{}
		for _, c := range r.Policy.Controls {
			verdict[c.ID] = c.Status
		}
		if verdict["5.5"] != "fail" || verdict["5.32"] != "fail" || verdict["5.10"] != "pass" || r.Policy.Framework != "CIS Docker Benchmark 1.6.0" {
			t.Errorf("verdicts %v", verdict)
		}
		for _, f := range r.Findings.All() {
			if f.CheckID == "CE-NS-006" {
				t.Error("CE-NS-006 cites no CIS control and must not report under cis-docker-1.6")
			}
		}
		_, table, _ := run(t, "", "scan", "--inspect", risky, "--policy", "cis-docker-1.6")
		for _, want := range []string{"CIS Docker Benchmark 1.6.0 · policy cis-docker-1.6\n",
			"\n5.5  Ensure that privileged containers are not used  FAIL (3 failed findings on 1 asset)\n",
			"  CRITICAL  CE-PRIV-001   fx-privileged  Container runs privileged\n"} {
			if !strings.Contains(table, want) {
				t.Errorf("table lacks %q", want)
			}
		}
	})
	t.Run("a bad policy is an input error", func(t *testing.T) {
		bad := writeFile(t, "bad.yaml", "name: x\nchecks: {exclude: [CE-NOPE-001]}\n")
		for _, arg := range []string{bad, "/nonexistent/policy.yaml", "stricter"} {
			code, _, stderr := run(t, "", "scan", "--inspect", risky, "--policy", arg)
			if code != ExitUsage || strings.Count(stderr, "\n") != 1 {
				t.Errorf("--policy %s: exit %d stderr %q", arg, code, stderr)
			}
		}
	})
}

func TestPolicyValidate(t *testing.T) {
	code, stdout, _ := run(t, "", "policy", "validate", "default", "strict", "cis-docker-1.6")
	if code != ExitOK || strings.Count(stdout, ": ok: policy ") != 3 {
		t.Errorf("built-ins: exit %d\n%s", code, stdout)
	}
	bad := writeFile(t, "team.yaml", "name: team\nchecks:\n  severity:\n    CE-USER-001: urgent\ngate:\n  max_risk: 101\ncolour: red\n")
	code, stdout, stderr := run(t, "", "policy", "validate", bad)
	want := []string{bad + ":4: checks severity CE-USER-001: unknown severity \"urgent\"", bad + ":6: gate max_risk 101 outside 0-100",
		bad + ":7: field colour is not a known key"}
	if code != ExitUsage || strings.Count(stdout, "\n") != len(want) || !strings.Contains(stderr, "1 of 1 policy invalid") {
		t.Errorf("exit %d stdout %q stderr %q", code, stdout, stderr)
	}
	for _, w := range want {
		if !strings.Contains(stdout, w) {
			t.Errorf("output lacks %q:\n%s", w, stdout)
		}
	}
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := run(t, "", args...)
	if code != ExitOK {
		t.Fatalf("%v: exit %d %s", args, code, stderr)
	}
	return stdout
}

func TestScanInventoryOffline(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(testdata("risky.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "saved.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	inv := filepath.Join(dir, "fleet.yaml")
	write := func(s string) {
		if err := os.WriteFile(inv, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("endpoints:\n  - {name: saved, inspect: saved.json}\n  - {name: gone, inspect: gone.json}\n  - {name: refused, docker: \"tcp://127.0.0.1:1\", timeout: 5s}\n")
	code, stdout, stderr := run(t, "", "scan", "--inventory", inv, "-o", "json")
	if code != ExitIncomplete {
		t.Fatalf("exit %d, want 3: %s", code, stderr)
	}
	r := decodeReport(t, stdout)
	if len(r.Assets) != 5 || len(r.Sources) != 3 || r.Sources[1].Status != "error" || r.Sources[2].Status != "error" {
		t.Errorf("%d assets, sources %+v", len(r.Assets), r.Sources)
	}

	write("endpoints:\n  - {name: kvm, libvirt: \"qemu+ssh://kvm/system\"}\n")
	code, _, stderr = run(t, "", "scan", "--inventory", inv)
	if code != ExitUsage || !strings.Contains(stderr, "endpoint kvm: ") || !strings.Contains(stderr, "unsupported libvirt transport") {
		t.Errorf("unsupported libvirt transport: exit %d stderr %q", code, stderr)
	}

	write("endpoints:\n  - {name: a, inspect: saved.json, docker: \"unix:///x\"}\n")
	code, _, stderr = run(t, "", "scan", "--inventory", inv)
	if code != ExitUsage || !strings.Contains(stderr, "fleet.yaml: line 2: endpoint a: give one source, not docker and inspect") {
		t.Errorf("invalid inventory: exit %d stderr %q", code, stderr)
	}
}
