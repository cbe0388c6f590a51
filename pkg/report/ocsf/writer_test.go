package ocsf_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/report/internal/golden"
	"github.com/isoaudit/isoaudit/pkg/report/internal/reporttest"
	"github.com/isoaudit/isoaudit/pkg/report/ocsf"
)

func write(t *testing.T, r *audit.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := ocsf.New().Write(&buf, r); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func TestWriteMatchesGolden(t *testing.T) {
	for _, tc := range reporttest.Cases() {
		t.Run(tc.Name, func(t *testing.T) {
			got := write(t, tc.Report())
			requireConforming(t, tc.Report(), got)
			golden.Assert(t, "ocsf-"+tc.Name, got)
		})
	}
}

// requireConforming checks each line against the rules of OCSF 1.3
// Compliance Finding (base_event, finding and compliance_finding in
// ocsf/ocsf-schema): required attributes, the class constants, type_uid =
// class_uid*100 + activity_id, enum values with their captions, times in
// epoch milliseconds, one event per finding carrying the finding's id.
func requireConforming(t *testing.T, r *audit.Report, out []byte) {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %d is not a JSON object: %v", n+1, err)
		}
		if n >= r.Findings.Len() {
			t.Fatalf("more events than findings (%d)", r.Findings.Len())
		}
		for _, p := range conformance(ev, new(r.Findings.At(n)), r) {
			t.Errorf("event %d (%s): %s", n+1, r.Findings.At(n).CheckID, p)
		}
		n++
	}
	if n != r.Findings.Len() {
		t.Errorf("%d events for %d findings", n, r.Findings.Len())
	}
}

func conformance(ev map[string]any, f *audit.Finding, r *audit.Report) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, sprintf(format, args...)) }
	num := func(m map[string]any, k string) float64 { v, _ := m[k].(float64); return v }
	obj := func(m map[string]any, k string) map[string]any { v, _ := m[k].(map[string]any); return v }
	for _, k := range []string{"activity_id", "category_uid", "class_uid", "type_uid", "severity_id", "time", "metadata", "finding_info", "compliance"} {
		if _, ok := ev[k]; !ok {
			bad("required attribute %s missing", k)
		}
	}
	if num(ev, "class_uid") != 2003 || ev["class_name"] != "Compliance Finding" || num(ev, "category_uid") != 2 || ev["category_name"] != "Findings" {
		bad("class/category = %v/%v %v/%v", ev["class_uid"], ev["class_name"], ev["category_uid"], ev["category_name"])
	}
	if num(ev, "type_uid") != num(ev, "class_uid")*100+num(ev, "activity_id") {
		bad("type_uid %v != class_uid*100 + activity_id", ev["type_uid"])
	}
	activities := map[float64]string{1: "Create", 2: "Update", 3: "Close"}
	if activities[num(ev, "activity_id")] != ev["activity_name"] {
		bad("activity %v %v", ev["activity_id"], ev["activity_name"])
	}
	severities := map[float64]string{0: "Unknown", 1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical", 6: "Fatal"}
	if severities[num(ev, "severity_id")] != ev["severity"] {
		bad("severity %v %v", ev["severity_id"], ev["severity"])
	}
	statuses := map[float64]string{1: "New", 2: "In Progress", 3: "Suppressed", 4: "Resolved", 5: "Archived", 6: "Deleted"}
	if statuses[num(ev, "status_id")] != ev["status"] {
		bad("status %v %v", ev["status_id"], ev["status"])
	}
	if num(ev, "time") != float64(r.CreatedAt.UnixMilli()) {
		bad("time %v is not created_at in epoch ms", ev["time"])
	}
	md := obj(ev, "metadata")
	if md["version"] == "" || obj(md, "product")["name"] == nil {
		bad("metadata needs version and product.name: %v", md)
	}
	fi := obj(ev, "finding_info")
	if fi["uid"] != f.ID || fi["title"] != f.Title {
		bad("finding_info uid/title = %v/%v", fi["uid"], fi["title"])
	}
	an := obj(fi, "analytic")
	if an["uid"] != f.CheckID || num(an, "type_id") != 1 || an["type"] != "Rule" {
		bad("analytic = %v", an)
	}
	c := obj(ev, "compliance")
	complianceStatuses := map[float64]string{1: "Pass", 2: "Warning", 3: "Fail"}
	if complianceStatuses[num(c, "status_id")] != c["status"] {
		bad("compliance status %v %v", c["status_id"], c["status"])
	}
	if s, _ := c["standards"].([]any); len(s) == 0 {
		bad("compliance.standards empty")
	}
	res, _ := ev["resources"].([]any)
	if len(res) != 1 || obj(res[0].(map[string]any), "data") == nil || res[0].(map[string]any)["uid"] != f.AssetID {
		bad("resources = %v", ev["resources"])
	}
	if rem := obj(ev, "remediation"); rem != nil && rem["desc"] == "" {
		bad("remediation without desc")
	}
	want := map[audit.Status][2]float64{
		audit.StatusFail: {1, 3}, audit.StatusWaived: {3, 3}, audit.StatusPass: {4, 1},
		audit.StatusUnknown: {1, 2}, audit.StatusError: {1, 2},
	}[f.Status]
	if num(ev, "status_id") != want[0] || num(c, "status_id") != want[1] {
		bad("status %s mapped to status_id %v, compliance %v; want %v", f.Status, ev["status_id"], c["status_id"], want)
	}
	return problems
}

// TestConformanceCatchesMistakes proves the rule check can fail.
func TestConformanceCatchesMistakes(t *testing.T) {
	r := reporttest.Representative()
	line, _, _ := bytes.Cut(write(t, r), []byte("\n"))
	for name, mutate := range map[string]func(map[string]any){
		"wrong type_uid":        func(ev map[string]any) { ev["type_uid"] = 200302.0 },
		"caption mismatch":      func(ev map[string]any) { ev["severity"] = "High" },
		"time in seconds":       func(ev map[string]any) { ev["time"] = float64(r.CreatedAt.Unix()) },
		"finding_info missing":  func(ev map[string]any) { delete(ev, "finding_info") },
		"unknown status_id":     func(ev map[string]any) { ev["status_id"] = 9.0 },
		"waiver not suppressed": func(ev map[string]any) { ev["status_id"], ev["status"] = 1.0, "New" },
	} {
		r := reporttest.Representative()
		var ev map[string]any
		if err := json.Unmarshal(line, &ev); err != nil {
			t.Fatal(err)
		}
		f := r.Findings.At(0)
		mutate(ev)
		if name == "waiver not suppressed" {
			f.Status = audit.StatusWaived
		}
		if len(conformance(ev, &f, r)) == 0 {
			t.Errorf("%s: not caught", name)
		}
	}
}
