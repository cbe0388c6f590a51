package audit

import "testing"

func TestFindingIDIsStableAndDistinct(t *testing.T) {
	a := FindingID("CE-PRIV-001", "node-7", "web")
	// sha256("CE-PRIV-001\x00node-7\x00web"): the contract SIEMs and
	// baselines key on; it must never change.
	if a != "c6fd0b93e79153b6366491d887df3529f3ede128e4185c51ce7cdf2d1667bf82" {
		t.Fatalf("FindingID changed: %q", a)
	}
	for _, other := range []string{FindingID("CE-PRIV-002", "node-7", "web"), FindingID("CE-PRIV-001", "node-8", "web"),
		FindingID("CE-PRIV-001", "node-7", "web2"), FindingID("CE-PRIV-001", "node-7\x00web", "")} {
		if other == a {
			t.Errorf("distinct inputs gave the same id %s", a)
		}
	}
}
