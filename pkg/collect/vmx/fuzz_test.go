package vmx

import (
	"testing"

	"github.com/isoaudit/isoaudit/internal/fuzzseed"
)

// FuzzParse: any bytes as a .vmx file, parsed and normalized as the
// collector does; no panic and one-line errors.
func FuzzParse(f *testing.F) {
	fuzzseed.AddFiles(f, "../../../testdata/vmx", ".vmx")
	f.Add([]byte("displayName = \"a|22b\"\nRemoteDisplay.vnc.password = \"x\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data)
		fuzzseed.OneLine(t, err)
		if err != nil {
			return
		}
		vm, _ := Normalize(cfg, Context{FallbackName: "fuzz"})
		if vm == nil || vm.Platform != "vmware" {
			t.Fatalf("Normalize returned %+v", vm)
		}
	})
}
