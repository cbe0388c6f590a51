package policy

import (
	"testing"

	"github.com/isoaudit/isoaudit/internal/fuzzseed"
)

// FuzzParsePolicy: any bytes as a --policy file: no panic, one-line
// errors, and an accepted policy applies to findings without failing.
func FuzzParsePolicy(f *testing.F) {
	fuzzseed.AddFiles(f, "../../policies", ".yaml")
	f.Add([]byte("name: t\nchecks: {include: [\"CE-*\"], severity: {CE-USER-001: high}}\ngate: {fail_on: high, max_risk: 50}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy(data, "p.yaml", known, knownIDs...)
		fuzzseed.OneLine(t, err)
		if err == nil {
			p.Apply(nil)
			_ = p.DefaultGate()
			if err := p.ScoreWeights().Validate(); err != nil {
				t.Fatalf("accepted policy has invalid weights: %v", err)
			}
		}
	})
}

// FuzzParseWaivers: any bytes as a --waivers file: no panic, one-line
// errors.
func FuzzParseWaivers(f *testing.F) {
	f.Add([]byte(waiverFileOK))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ParseWaivers(data, "w.yaml")
		fuzzseed.OneLine(t, err)
	})
}
