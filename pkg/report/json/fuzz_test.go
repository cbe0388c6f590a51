package json

import (
	"bytes"
	"testing"

	"github.com/isoaudit/isoaudit/internal/fuzzseed"
	"github.com/isoaudit/isoaudit/pkg/audit"
)

// FuzzDecode: any bytes as a saved report for `isoaudit convert`: no
// panic, one-line errors, and a report it accepts renders again as JSON.
func FuzzDecode(f *testing.F) {
	fuzzseed.AddFiles(f, "../../../testdata/golden", "json-clean.golden", "json-representative.golden", "json-empty.golden")
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Decode(bytes.NewReader(data))
		fuzzseed.OneLine(t, err)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := New().Write(&out, r); err != nil && r.SchemaVersion == audit.SchemaVersion {
			t.Fatalf("a decoded report does not render: %v", err)
		}
	})
}
