package policy

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

const waiverFileOK = `# exceptions approved by the platform team
waivers:
  - id: W-001
    check: CE-SOCK-001
    selector:
      asset: "ci-runner-*"
      labels: {team: ci}
    reason: the CI runner drives the host daemon by design
    approver: jane@example.com
    expires: 2026-12-31
  - id: W-002
    check: CE-PRIV-001
    selector:
      image: "registry.local/legacy/*"
    reason: legacy agent, replacement tracked in OPS-12
    approver: bob@example.com
    expires: 2026-01-31
  - id: W-003
    check: CE-USER-001
    selector: {host: "build-*"}
    reason: nothing runs there yet
    approver: bob@example.com
    expires: "2027-06-30"
`

func TestParseWaivers(t *testing.T) {
	ws, err := ParseWaivers([]byte(waiverFileOK), "w.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(ws.Entries) != 3 || ws.Entries[0].Expires != "2026-12-31" || ws.Entries[0].Selector.Labels["team"] != "ci" {
		t.Fatalf("entries = %+v", ws.Entries)
	}
	if len(ws.SHA256) != 64 {
		t.Errorf("digest %q", ws.SHA256)
	}
	w := &ws.Entries[0]
	if w.Expired(time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC)) {
		t.Error("a waiver applies through its last day")
	}
	if !w.Expired(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("a waiver has expired the day after")
	}
}

func TestParseWaiversRejectsWithLines(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string // each problem, with its line
	}{
		{"unknown key", "waivers:\n  - id: W-1\n    check: CE-PRIV-001\n    selector: {asset: x}\n    reason: r\n    approver: a\n    expires: 2026-01-01\n    approved_by: me\n",
			[]string{"line 8: field approved_by is not a known key"}},
		{"unknown selector key", "waivers:\n  - id: W-1\n    check: CE-PRIV-001\n    selector:\n      name: x\n    reason: r\n    approver: a\n    expires: 2026-01-01\n",
			[]string{"line 5: field name is not a known key", "line 5: waiver W-1: selector needs at least one of"}},
		{"missing fields and bad values", "waivers:\n  - id: W-1\n    check: priv\n    selector: {asset: \"[x\"}\n    expires: 31/12/2026\n",
			[]string{"line 2: waiver W-1: reason is required", "line 2: waiver W-1: approver is required",
				"line 3: waiver W-1: check \"priv\" is not a check id", "line 4: waiver W-1: selector asset \"[x\" is not a valid glob",
				"line 5: waiver W-1: expires \"31/12/2026\" is not a date"}},
		{"empty selector", "waivers:\n  - id: W-1\n    check: CE-PRIV-001\n    reason: r\n    approver: a\n    expires: 2026-01-01\n",
			[]string{"line 2: waiver W-1: selector needs at least one of"}},
		{"duplicate id", "waivers:\n  - {id: W-1, check: CE-PRIV-001, selector: {asset: a}, reason: r, approver: a, expires: 2026-01-01}\n  - {id: W-1, check: CE-PRIV-002, selector: {asset: a}, reason: r, approver: a, expires: 2026-01-01}\n",
			[]string{"line 3: waiver id \"W-1\" already used on line 2"}},
		{"wrong type", "waivers:\n  id: W-1\n", []string{"line 2: wrong type"}},
		{"no waivers", "# nothing\nwaivers: []\n", []string{"no waivers"}},
		{"empty file", "", []string{"file is empty"}},
		{"syntax", "waivers:\n  - id: [\n", []string{"line 2: did not find expected node content"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseWaivers([]byte(tt.doc), "w.yaml")
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error = %v, want a *FileError", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "w.yaml: ") || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line naming the file", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			if len(fe.Problems) != len(tt.want) {
				t.Errorf("%d problems %v, want %d", len(fe.Problems), fe.Problems, len(tt.want))
			}
		})
	}
}

func TestWaiverRun(t *testing.T) {
	ws, err := ParseWaivers([]byte(waiverFileOK), "w.yaml")
	if err != nil {
		t.Fatal(err)
	}
	runner := &audit.Asset{Name: "ci-runner-7", Labels: map[string]string{"team": "ci"},
		Container: &audit.Container{Image: audit.Image{Ref: "registry.local/legacy/agent:3"}}, Host: &audit.Host{Hostname: "node1"}}
	other := &audit.Asset{Name: "ci-runner-8", Labels: map[string]string{"team": "web"}, Container: &audit.Container{}}
	fail := func(check string) audit.Finding { return audit.Finding{CheckID: check, Status: audit.StatusFail} }

	run := ws.Start(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)) // W-001 in force, W-002 expired
	f1 := []audit.Finding{fail("CE-SOCK-001"), fail("CE-PRIV-001"), {CheckID: "CE-USER-001", Status: audit.StatusPass}}
	run.Apply(runner, f1)
	f2 := []audit.Finding{fail("CE-SOCK-001")}
	run.Apply(other, f2)

	if f1[0].Status != audit.StatusWaived || f1[0].Waiver != "W-001" || !strings.Contains(f1[0].Message, "jane@example.com") {
		t.Errorf("socket finding = %+v, want waived by W-001", f1[0])
	}
	if f1[1].Status != audit.StatusFail || !strings.Contains(f1[1].Message, "W-002 expired") {
		t.Errorf("privileged finding = %+v, want still failing (waiver expired)", f1[1])
	}
	if f2[0].Status != audit.StatusFail {
		t.Error("label team=web must not match W-001's team=ci")
	}
	rep := run.Report()
	got := map[string]string{}
	for _, e := range rep.Entries {
		got[e.ID] = e.Status
	}
	want := map[string]string{"W-001": "applied", "W-002": "expired", "W-003": "unmatched"}
	for id, st := range want {
		if got[id] != st {
			t.Errorf("%s status %q, want %q", id, got[id], st)
		}
	}
	if rep.SHA256 != ws.SHA256 || rep.File != "w.yaml" || rep.Entries[0].Findings != 1 || rep.Entries[1].Findings != 1 {
		t.Errorf("report = %+v", rep)
	}
}
