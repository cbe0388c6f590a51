package audit

import "testing"

func TestFindingIDIsStableAndDistinct(t *testing.T) {
	a := FindingID("CE-PRIV-001", "node-7", "web")
	if a != FindingID("CE-PRIV-001", "node-7", "web") || len(a) != 64 {
		t.Fatalf("FindingID not stable or not 64 hex: %q", a)
	}
	for _, other := range []string{FindingID("CE-PRIV-002", "node-7", "web"), FindingID("CE-PRIV-001", "node-8", "web"),
		FindingID("CE-PRIV-001", "node-7", "web2"), FindingID("CE-PRIV-001", "node-7\x00web", "")} {
		if other == a {
			t.Errorf("distinct inputs gave the same id %s", a)
		}
	}
	fs := []Finding{{CheckID: "CE-PRIV-001"}, {CheckID: "CE-CAP-001"}}
	SetFindingIDs(fs, &Asset{Name: "web", Host: Host{Hostname: "node-7"}})
	if fs[0].ID != a || fs[1].ID != FindingID("CE-CAP-001", "node-7", "web") {
		t.Errorf("SetFindingIDs disagrees with FindingID: %+v", fs)
	}
}
