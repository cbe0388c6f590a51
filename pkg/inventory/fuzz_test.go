package inventory

import (
	"testing"

	"github.com/isoaudit/isoaudit/internal/fuzzseed"
)

// FuzzParse: any bytes as an --inventory file: no panic, one-line errors,
// and every accepted endpoint has exactly one source and a timeout.
func FuzzParse(f *testing.F) {
	f.Add([]byte("defaults: {timeout: 45s, parallel: 4}\nendpoints:\n  - {name: a, docker: \"tcp://a:2376\", tls_cert_path: c}\n  - {libvirt: \"qemu:///system\"}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := Parse(data, "/etc/fleet.yaml")
		fuzzseed.OneLine(t, err)
		if err != nil {
			return
		}
		for _, e := range inv.Endpoints {
			if k, _ := e.Source(); k == "" || e.Timeout <= 0 {
				t.Fatalf("accepted endpoint %+v", e)
			}
		}
	})
}
