package docker

import (
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

func TestMountFromBind(t *testing.T) {
	tests := []struct {
		spec string
		want audit.Mount
	}{
		{"/var/run/docker.sock:/var/run/docker.sock", audit.Mount{Type: "bind", Source: "/var/run/docker.sock", Destination: "/var/run/docker.sock", RW: true}},
		{"/:/host:ro,rslave", audit.Mount{Type: "bind", Source: "/", Destination: "/host", Propagation: "rslave"}},
		{"/srv:/srv:z,shared", audit.Mount{Type: "bind", Source: "/srv", Destination: "/srv", RW: true, Propagation: "shared"}},
		{"data:/data:ro", audit.Mount{Type: "volume", Source: "data", Name: "data", Destination: "/data"}},
		{"/anon", audit.Mount{Type: "volume", Destination: "/anon", RW: true}},
	}
	for _, tt := range tests {
		if got := mountFromBind(tt.spec); got != tt.want {
			t.Errorf("mountFromBind(%q) = %+v, want %+v", tt.spec, got, tt.want)
		}
	}
}

// TestMountsOfFillsGaps covers inspect documents whose Mounts[] lacks
// what HostConfig asked for (other engines, hand-made files).
func TestMountsOfFillsGaps(t *testing.T) {
	c := container.InspectResponse{Mounts: []container.MountPoint{
		{Type: "bind", Source: "/etc", Destination: "/host-etc", RW: false},
	}}
	hc := &container.HostConfig{
		Binds: []string{"/etc:/host-etc:ro", "/var/run/docker.sock:/run/docker.sock"},
		Mounts: []mount.Mount{{Type: mount.TypeBind, Source: "/proc", Target: "/host/proc", ReadOnly: true,
			BindOptions: &mount.BindOptions{Propagation: mount.PropagationRShared}}},
		Tmpfs: map[string]string{"/tmp": "ro,size=1m"},
	}
	want := []audit.Mount{
		{Type: "bind", Source: "/etc", Destination: "/host-etc", RW: false},
		{Type: "bind", Source: "/proc", Destination: "/host/proc", RW: false, Propagation: "rshared"},
		{Type: "bind", Source: "/var/run/docker.sock", Destination: "/run/docker.sock", RW: true},
		{Type: "tmpfs", Destination: "/tmp", RW: false},
	}
	equal(t, "mounts", mountsOf(c, hc), want)
}
