package inventory

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	inv, err := Parse([]byte(`# the fleet
defaults:
  timeout: 45s
  parallel: 4
  all: true
endpoints:
  - name: build-1
    docker: tcp://build-1.example:2376
    tls_cert_path: certs/build-1
    timeout: 10s
  - docker: ssh://audit@web-2
    all: false
  - name: kvm
    libvirt: qemu:///system
    qemu_conf: /etc/libvirt/qemu.conf
  - name: staged
    compose: deploy/compose.yaml
  - inspect: /srv/saved.json
`), "/etc/isoaudit/fleet.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if inv.Parallel != 4 || len(inv.Endpoints) != 5 {
		t.Fatalf("inventory = %+v", inv)
	}
	e := inv.Endpoints
	checks := []struct {
		name      string
		got, want any
	}{
		{"own timeout", e[0].Timeout, 10 * time.Second},
		{"default timeout", e[1].Timeout, 45 * time.Second},
		{"cert path relative to the file", e[0].CertPath, "/etc/isoaudit/certs/build-1"},
		{"default all", e[0].All, true},
		{"own all", e[1].All, false},
		{"name defaults to the source", e[1].Name, "ssh://audit@web-2"},
		{"compose path relative to the file", e[3].Compose, filepath.Join("/etc/isoaudit", "deploy/compose.yaml")},
		{"line", e[2].Line, 13},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if k, v := e[2].Source(); k != "libvirt" || v != "qemu:///system" {
		t.Errorf("Source = %s %s", k, v)
	}
}

func TestParseRejectsWithLines(t *testing.T) {
	doc := `defaults:
  timeout: soon
endpoints:
  - name: a
  - name: b
    docker: tcp://b:2376
    libvirt: qemu:///system
  - docker: ftp://c
  - libvirt: kvm-host
  - name: e
    inspect: e.json
    tls_cert_path: /certs
  - name: f
    docker: unix:///var/run/docker.sock
    timeout: -1s
  - name: f
    vmx: f.vmx
    colour: red
`
	_, err := Parse([]byte(doc), "fleet.yaml")
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v", err)
	}
	want := []string{
		`line 2: defaults timeout "soon"`,
		"line 4: endpoint a: give one source",
		"line 5: endpoint b: give one source, not docker and libvirt",
		"line 8: endpoint ftp://c: docker wants scheme://address",
		"line 9: endpoint kvm-host: libvirt wants a URI such as qemu:///system",
		"line 12: endpoint e: tls_cert_path applies to docker endpoints only",
		`line 15: timeout "-1s"`,
		`line 16: endpoint "f" already listed on line 13`,
		"line 18: field colour is not a known key",
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error lacks %q:\n%s", w, strings.ReplaceAll(msg, "; ", "\n"))
		}
	}
	if len(fe.Problems) != len(want) {
		t.Errorf("%d problems, want %d: %v", len(fe.Problems), len(want), fe.Problems)
	}
	if _, err := Parse([]byte("endpoints: []\n"), "x.yaml"); err == nil || !strings.Contains(err.Error(), "no endpoints") {
		t.Errorf("empty list: %v", err)
	}
}
