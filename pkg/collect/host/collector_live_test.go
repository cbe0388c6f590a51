package host

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/klauspost/cpuid/v2"
	"github.com/moby/moby/client"

	"github.com/isoaudit/isoaudit/internal/livetest"
)

// TestLiveThisMachine audits the machine the tests run on: the
// hypervisor layer agrees with systemd-detect-virt --vm (when installed)
// and the CPUID hypervisor bit, and the engine and runtime versions are
// the local daemon's own /version answers.
func TestLiveThisMachine(t *testing.T) {
	cli := livetest.Docker(t)
	c, err := New(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Collect(context.Background())
	if err != nil || len(b.Assets) != 1 {
		t.Fatalf("collect: %v", err)
	}
	h := b.Assets[0].Host
	t.Logf("layers %+v; notes %v", h.Virtualization.Layers, b.Notes)
	if cpuid.CPU.VM() != h.Virtualization.Guest {
		t.Errorf("CPUID hypervisor bit %v, guest %v", cpuid.CPU.VM(), h.Virtualization.Guest)
	}
	if out, err := exec.Command("systemd-detect-virt", "--vm").Output(); err == nil || len(out) > 0 {
		want := strings.TrimSpace(string(out))
		got := h.Virtualization.Hypervisor
		if want == "none" {
			want = ""
		}
		if got != want {
			t.Errorf("hypervisor %q, systemd-detect-virt --vm says %q", got, want)
		}
	}
	ver, err := cli.ServerVersion(context.Background(), client.ServerVersionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h.Engine.Version != ver.Version || !h.Daemon.Known || h.Daemon.Socket.Mode == "" {
		t.Errorf("engine %+v daemon %+v, want the daemon's version %s and its socket", h.Engine, h.Daemon, ver.Version)
	}
	for _, comp := range ver.Components {
		if comp.Name == "runc" && h.Engine.RuncVersion != comp.Version {
			t.Errorf("runc %q, daemon reports %q", h.Engine.RuncVersion, comp.Version)
		}
	}
}
