package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// TestHostileInputs feeds each offline source the files an attacker or a
// broken disk hands an auditor: a 2 GiB (sparse) file, nesting deep
// enough to exhaust a recursive parser, bytes that are not UTF-8, XML
// entity expansion, a FIFO that would block a naive reader, and a
// directory whose links loop. Each ends with a one-line error naming the
// file and exit 2 (nothing could be read) or 3 (the rest was audited),
// allocating a bounded amount of memory, never a panic or a hang.
func TestHostileInputs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	huge := func(name string) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := f.Truncate(2 << 30); err != nil { // sparse: no disk used
			t.Fatal(err)
		}
		return p
	}
	fifo := func(name string) string {
		p := filepath.Join(dir, name)
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	goodVMX, err := os.ReadFile(filepath.Join("..", "..", "testdata", "vmx", "hardened.vmx"))
	if err != nil {
		t.Fatal(err)
	}
	loopDir := filepath.Join(dir, "loop")
	if err := os.MkdirAll(filepath.Join(loopDir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(loopDir, "good.vmx"), goodVMX, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, l := range [][2]string{{"b.vmx", "a.vmx"}, {"a.vmx", "b.vmx"}, {"..", "sub/up"}} {
		if err := os.Symlink(l[0], filepath.Join(loopDir, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	laughs := `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">` +
		`<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY e "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>`

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // in stderr, with the file's path
	}{
		{"huge inspect", []string{"--inspect", huge("huge.json")}, ExitUsage, "larger than"},
		{"deep JSON", []string{"--inspect", write("deep.json", strings.Repeat("[", 200000))}, ExitUsage, "deep.json"},
		{"binary inspect", []string{"--inspect", write("bin.json", "\xff\xfe\x00\x01garbage\x80")}, ExitUsage, "bin.json"},
		{"fifo inspect without a writer", []string{"--inspect", fifo("pipe.json")}, ExitUsage, "pipe.json"},
		{"huge domain", []string{"--libvirt-xml", huge("huge.xml")}, ExitUsage, "larger than"},
		{"entity domain", []string{"--libvirt-xml", write("laughs.xml", laughs+"<domain><name>&e;</name></domain>")}, ExitUsage, "laughs.xml"},
		{"deep domain", []string{"--libvirt-xml", write("deepd.xml", "<domain>"+strings.Repeat("<a>", 100000))}, ExitUsage, "deepd.xml"},
		{"binary vmx", []string{"--vmx", write("bin.vmx", "\x00\x01\x02\xff\xfe")}, ExitUsage, "bin.vmx"},
		{"huge vmx", []string{"--vmx", huge("huge.vmx")}, ExitUsage, "larger than"},
		{"fifo vbox", []string{"--vbox", fifo("pipe.vbox")}, ExitUsage, "not a regular file"},
		{"entity vbox", []string{"--vbox", write("laughs.vbox", laughs+"<VirtualBox><Machine name='&e;'/></VirtualBox>")}, ExitUsage, "laughs.vbox"},
		{"huge qemu.conf", []string{"--libvirt-xml", filepath.Join("..", "..", "testdata", "libvirt", "domains", "hardened.xml"),
			"--qemu-conf", huge("qemu.conf")}, ExitUsage, "larger than"},
		{"link loop in a directory", []string{"--vmx", loopDir}, ExitIncomplete, "a.vmx"},
		{"huge report", []string{"convert", huge("huge-report.json"), "-o", "json"}, ExitUsage, "huge-report.json"},
		{"huge compose", []string{"--compose", huge("huge-compose.yaml")}, ExitUsage, "larger than"},
		{"fifo compose", []string{"--compose", fifo("pipe-compose.yaml")}, ExitUsage, "not a regular file"},
		{"compose extends a device", []string{"--compose", write("ext-compose.yaml",
			"services:\n  a:\n    image: alpine\n    extends:\n      file: /dev/zero\n      service: b\n")}, ExitUsage, "ext-compose.yaml"},
		{"compose includes a fifo", []string{"--compose", write("inc-compose.yaml",
			"include:\n  - "+fifo("pipe-inc.yaml")+"\nservices:\n  a:\n    image: alpine\n")}, ExitUsage, "inc-compose.yaml"},
		{"compose alias bomb", []string{"--compose", write("bomb-compose.yaml", "x-a: &a\n  <<: *a\nservices:\n  a:\n    image: alpine\n")}, ExitUsage, "bomb-compose.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if args[0] != "convert" {
				args = append([]string{"scan", "-o", "json"}, args...)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			code, stdout, stderr := run(t, "", args...)
			runtime.ReadMemStats(&after)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tc.code, stderr)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if code == ExitUsage && (len(lines) != 1 || !strings.Contains(stderr, tc.want)) {
				t.Errorf("stderr %q: want one line containing %q", stderr, tc.want)
			}
			if code == ExitIncomplete && (!strings.Contains(stdout, tc.want) || !strings.Contains(stdout, `"kind":"vm"`)) {
				t.Errorf("report %.300s: want the error naming %q and the good file's VM", stdout, tc.want)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("allocated %d MiB", alloc>>20)
			}
		})
	}
}
