package libvirtxml

import (
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/internal/fuzzseed"
)

// FuzzNormalizeXML: any bytes as domain XML, with and without a
// qemu.conf: no panic, one-line errors, and a password in the XML never
// reaches the document.
func FuzzNormalizeXML(f *testing.F) {
	fuzzseed.AddFiles(f, "../../../testdata/libvirt", ".xml")
	conf := DefaultQEMUConfig()
	conf.Known = true
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, ctx := range []Context{{}, {SecretsVisible: true, QEMUConf: &conf, State: "running"}} {
			vm, err := NormalizeXML(data, ctx)
			fuzzseed.OneLine(t, err)
			if err != nil {
				continue
			}
			for _, c := range vm.RemoteConsoles {
				if c.Password != "set" && c.Password != "not_set" && c.Password != "unknown" && c.Password != "empty" {
					t.Fatalf("console password field holds %q", c.Password)
				}
			}
			for _, a := range vm.RawArgs {
				if strings.Contains(strings.ToLower(a), "password=s3cr") {
					t.Fatalf("raw argument not redacted: %q", a)
				}
			}
		}
	})
}

// FuzzParseQEMUConf: any bytes as qemu.conf; values of password keys
// never survive into Raw.
func FuzzParseQEMUConf(f *testing.F) {
	fuzzseed.AddFiles(f, "../../../testdata/libvirt/qemu", ".conf")
	f.Add([]byte("vnc_password = \"s3cret\"\nspice_password = 's3cret'\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		conf, _, err := ParseQEMUConf(data)
		fuzzseed.OneLine(t, err)
		if err != nil {
			return
		}
		for k, v := range conf.Raw {
			if strings.Contains(k, "password") && v != "[redacted]" && v != "" {
				t.Fatalf("raw %s = %q, want [redacted]", k, v)
			}
		}
	})
}
