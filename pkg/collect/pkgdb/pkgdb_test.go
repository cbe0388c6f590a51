package pkgdb

import (
	"os"
	"path/filepath"
	"testing"
)

func writeRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, body := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const status = `Package: qemu-system-x86
Status: install ok installed
Version: 1:7.2+dfsg-7+deb12u18+b3
Description: QEMU full system emulation binaries (x86)
 continuation line: Version: 9.9

Package: libvirt-daemon
Status: deinstall ok config-files
Version: 9.0.0-4+deb12u2

Package: runc
Status: install ok installed
Version: 1.1.5+ds1-1+deb12u1
`

func TestPackage(t *testing.T) {
	root := writeRoot(t, map[string]string{
		"etc/os-release":      "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
		"var/lib/dpkg/status": status,
	})
	if got := Release(root); got != "debian-12" {
		t.Errorf("Release = %q", got)
	}
	if got := Package(root, "qemu-system-x86"); got != "debian-12:1:7.2+dfsg-7+deb12u18+b3" {
		t.Errorf("Package(qemu) = %q", got)
	}
	if got := Package(root, "libvirt-daemon"); got != "" {
		t.Errorf("a removed package (config-files only) must not count: %q", got)
	}
	if got := Package(root, "qemu-kvm", "runc"); got != "debian-12:1.1.5+ds1-1+deb12u1" {
		t.Errorf("Package(first installed of names) = %q", got)
	}
}

func TestMissingDatabases(t *testing.T) {
	root := writeRoot(t, map[string]string{"usr/lib/os-release": "ID=alpine\nVERSION_ID=3.20.1\n"})
	if got := Release(root); got != "alpine-3.20.1" {
		t.Errorf("Release falls back to usr/lib/os-release: %q", got)
	}
	vers, err := DpkgVersions(root, "qemu-system-x86")
	if err != nil || len(vers) != 0 {
		t.Errorf("no dpkg database: %v %v", vers, err)
	}
	if got := Package(t.TempDir(), "x"); got != "" {
		t.Errorf("no os-release: %q", got)
	}
}
