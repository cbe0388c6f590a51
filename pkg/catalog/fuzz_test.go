package catalog

import (
	"testing"

	"github.com/isoaudit/isoaudit/internal/fuzzseed"
)

// FuzzDecodeCheck: any bytes as a check file (users load their own with
// --checks-dir): no panic, and errors stay one line.
func FuzzDecodeCheck(f *testing.F) {
	fuzzseed.AddFiles(f, "../../checks/container", ".yaml")
	fuzzseed.AddFiles(f, "../../checks/vm", ".yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := decodeCheck(data)
		fuzzseed.OneLine(t, err)
		_, err = decodeMitigations(data)
		fuzzseed.OneLine(t, err)
	})
}
