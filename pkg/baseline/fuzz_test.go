package baseline

import (
	"testing"

	"github.com/isoaudit/isoaudit/internal/fuzzseed"
	"github.com/isoaudit/isoaudit/pkg/audit"
)

// FuzzParse: any bytes as a --baseline report: no panic, one-line
// errors, and an accepted baseline compares against a report.
func FuzzParse(f *testing.F) {
	fuzzseed.AddFiles(f, "../../testdata/golden", "json-representative.golden", "json-clean.golden")
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Parse(data, "old.json")
		fuzzseed.OneLine(t, err)
		if err == nil {
			b.Compare(&audit.Report{Findings: audit.NewFindings(audit.Finding{ID: "x", Status: audit.StatusFail})})
		}
	})
}
