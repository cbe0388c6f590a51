package audit

import (
	"encoding/json"
	"reflect"
	"testing"
)

func passOf(check string) Finding {
	return Finding{CheckID: check, Status: StatusPass, Severity: SeverityHigh, Title: "t " + check,
		Remediation: "r", References: []string{"CIS:1"}, Tags: []string{"x"}, Evidence: []Evidence{}}
}

// want is what AppendAsset must give back for f on asset a.
func want(f Finding, a *Asset) Finding {
	f.AssetID, f.ID = a.ID, FindingID(f.CheckID, a.Host.Hostname, a.Name)
	return f
}

func TestAppendAssetRebuildsEveryFindingExactly(t *testing.T) {
	web := &Asset{ID: "docker/n1/web", Name: "web", Host: &Host{Hostname: "n1"}}
	db := &Asset{ID: "docker/n1/db", Name: "db", Host: &Host{Hostname: "n1"}}
	fail := passOf("CE-PRIV-001")
	fail.Status, fail.Weight = StatusFail, 0.9
	fail.Evidence = []Evidence{{Path: "container.privileged", Actual: true, Expected: "false"}}
	unknown := passOf("CE-HOST-001")
	unknown.Status, unknown.Message = StatusUnknown, "host facts are unknown offline"
	otherTitle := passOf("CE-CAP-001")
	otherTitle.Title = "policy renamed"
	thirdTitle := passOf("CE-CAP-001")
	thirdTitle.Title = "renamed again"
	nilEvidence := passOf("CE-CAP-002")
	nilEvidence.Evidence = nil

	var fs Findings
	in := map[*Asset][]Finding{
		web: {passOf("CE-CAP-001"), fail, unknown, passOf("CE-CAP-002")},
		db:  {passOf("CE-CAP-001"), passOf("CE-PRIV-001"), unknown, otherTitle, thirdTitle, nilEvidence},
	}
	var expect []Finding
	for _, a := range []*Asset{web, db} {
		fs.AppendAsset(a, in[a])
		for _, f := range in[a] {
			expect = append(expect, want(f, a))
		}
	}
	if got := fs.Slice(); !reflect.DeepEqual(got, expect) {
		t.Fatalf("rebuilt findings differ:\n got %+v\nwant %+v", got, expect)
	}
	// The failure, the first renamed title (it becomes CE-CAP-001's check
	// prototype) and the nil evidence keep their own fields beside a
	// prototype; the second renamed title matches none and is whole.
	if fs.whole.n != 1 || fs.owns.n != 3 {
		t.Errorf("%d findings stored whole (want 1), %d with own fields (want 3)", fs.whole.n, fs.owns.n)
	}
	for i := range fs.Len() {
		f := fs.At(i)
		if fs.Status(i) != f.Status || fs.CheckID(i) != f.CheckID || fs.AssetID(i) != f.AssetID || fs.Severity(i) != f.Severity {
			t.Errorf("finding %d: field accessors disagree with At: %+v", i, f)
		}
	}
}

func TestSetStoresWholeAndLeavesOthersAlone(t *testing.T) {
	a := &Asset{ID: "docker/n1/web", Name: "web", Host: &Host{Hostname: "n1"}}
	var fs Findings
	fs.AppendAsset(a, []Finding{passOf("A"), passOf("B")})
	f := fs.At(0)
	f.Baseline = BaselineUnchanged
	fs.Set(0, f)
	if got := fs.At(0); got.Baseline != BaselineUnchanged || got.ID != FindingID("A", "n1", "web") {
		t.Errorf("Set lost the change or the id: %+v", got)
	}
	if got := fs.At(1); !reflect.DeepEqual(got, want(passOf("B"), a)) {
		t.Errorf("Set changed another finding: %+v", got)
	}
	fs.Set(0, passOf("C"))
	if got := fs.At(0); got.CheckID != "C" || fs.Len() != 2 {
		t.Errorf("second Set: %+v (len %d)", got, fs.Len())
	}
}

func TestFindingsJSONRoundTrip(t *testing.T) {
	a := &Asset{ID: "docker/n1/web", Name: "web", Host: &Host{Hostname: "n1"}}
	var fs Findings
	fs.AppendAsset(a, []Finding{passOf("A"), passOf("B")})
	fs.Append(Finding{ID: "given", CheckID: "C", Status: StatusError, Message: "boom"})
	data, err := json.Marshal(Report{Findings: fs})
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Findings.Len() != 3 || back.Findings.At(2).ID != "given" || back.Findings.At(0).ID != FindingID("A", "n1", "web") {
		t.Errorf("round trip: %+v", back.Findings.Slice())
	}
}

func TestSetKeepsAnAssetsFindingCompact(t *testing.T) {
	a := &Asset{ID: "docker/n1/web", Name: "web", Host: &Host{Hostname: "n1"}}
	fail := passOf("A")
	fail.Status = StatusFail
	var fs Findings
	fs.AppendAsset(a, []Finding{fail})
	fs.Update(0, func(f *Finding) { f.Baseline = BaselineNew })
	if fs.whole.n != 0 || fs.At(0).Baseline != BaselineNew {
		t.Errorf("baseline mark: %d whole, %+v", fs.whole.n, fs.At(0))
	}
	fs.Update(0, func(f *Finding) { f.ID = "foreign" })
	if fs.whole.n != 1 || fs.At(0).ID != "foreign" {
		t.Errorf("foreign id: %d whole, %+v", fs.whole.n, fs.At(0))
	}
}

func TestChunkedCrossesBlocks(t *testing.T) {
	var c chunked[int]
	for i := range 3*chunkLen + 5 {
		if got := c.add(i); got != int32(i) {
			t.Fatalf("add %d returned index %d", i, got)
		}
	}
	for _, i := range []int32{0, chunkLen - 1, chunkLen, 2*chunkLen + 1, 3*chunkLen + 4} {
		if *c.at(i) != int(i) {
			t.Errorf("at(%d) = %d", i, *c.at(i))
		}
	}
}
