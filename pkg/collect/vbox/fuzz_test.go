package vbox

import (
	"testing"

	"github.com/isoaudit/isoaudit/internal/fuzzseed"
)

// FuzzDecode: any bytes as VirtualBox settings XML, decoded and
// normalized as the collector does; no panic and one-line errors.
func FuzzDecode(f *testing.F) {
	fuzzseed.AddFiles(f, "../../../testdata/vbox", ".vbox")
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := decode(data)
		fuzzseed.OneLine(t, err)
		if err != nil {
			return
		}
		if vm := normalize(s); vm == nil || vm.Platform != "virtualbox" {
			t.Fatalf("normalize returned %+v", vm)
		}
	})
}
