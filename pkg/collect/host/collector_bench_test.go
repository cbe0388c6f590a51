package host

import (
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkCollectRoot reads one fixture root (the VirtualBox guest:
// DMI, mounts, processes, modules, dpkg), as scan --root does.
func BenchmarkCollectRoot(b *testing.B) {
	opts := DefaultOptions()
	opts.Root, opts.DockerAPI = filepath.Join(roots, "vbox-guest-vboxsf"), false
	c, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := c.Collect(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCollectLive audits the running machine without the daemon
// API: /proc, /sys, the dpkg database and the apt security indexes
// (decompressed each time), which dominate on a Debian host.
func BenchmarkCollectLive(b *testing.B) {
	opts := DefaultOptions()
	opts.DockerAPI = false
	c, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := c.Collect(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
