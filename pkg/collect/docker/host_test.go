package docker

import (
	"testing"

	"github.com/moby/moby/api/types/system"
	"github.com/moby/moby/client"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// TestHostFromDaemonFixture reads the /info and /version answers captured
// from Docker 20.10.24 (cgroup v1, seccomp, no AppArmor).
func TestHostFromDaemonFixture(t *testing.T) {
	got := HostFromDaemon(daemonFixture(t))
	want := audit.Host{
		Known: true, Hostname: "vm", Kernel: "6.18.44-fc-v595", OS: "Debian GNU/Linux 12 (bookworm)", Arch: "amd64",
		CgroupVersion: "1", CgroupDriver: "cgroupfs", LSMs: []string{"seccomp"},
		Engine: audit.Engine{
			Name: "docker", Version: "20.10.24+dfsg1", APIVersion: "1.41",
			ContainerdVersion: "1.6.20~ds1", RuncVersion: "1.1.5+ds1", DefaultRuntime: "runc",
			Runtimes:       []string{"io.containerd.runc.v2", "io.containerd.runtime.v1.linux", "runc"},
			SeccompEnabled: true, SecurityOptions: []string{"name=seccomp,profile=default"},
		},
	}
	equal(t, "host", got, want)
}

func TestHostFromDaemonVariants(t *testing.T) {
	tests := []struct {
		name    string
		info    system.Info
		version client.ServerVersionResult
		check   func(t *testing.T, h audit.Host)
	}{
		{"podman rootless", system.Info{
			SecurityOptions: []string{"name=seccomp,profile=/usr/share/containers/seccomp.json", "name=rootless", "name=selinux"},
		}, client.ServerVersionResult{Version: "4.9.3", APIVersion: "1.41",
			Components: []system.ComponentVersion{{Name: "Podman Engine", Version: "4.9.3"}}},
			func(t *testing.T, h audit.Host) {
				equal(t, "engine.name", h.Engine.Name, "podman")
				equal(t, "engine.rootless", h.Engine.Rootless, true)
				equal(t, "lsms", h.LSMs, []string{"seccomp", "selinux"})
			}},
		{"userns remap and apparmor", system.Info{
			SecurityOptions: []string{"name=apparmor", "name=seccomp,profile=builtin", "name=userns", "name=cgroupns"},
		}, client.ServerVersionResult{},
			func(t *testing.T, h audit.Host) {
				equal(t, "engine.userns_remap", h.Engine.UsernsRemap, true)
				equal(t, "engine.rootless", h.Engine.Rootless, false)
				equal(t, "lsms", h.LSMs, []string{"apparmor", "seccomp"})
			}},
		{"no seccomp, versions from commits", system.Info{
			ServerVersion:    "19.03.15",
			ContainerdCommit: system.Commit{ID: "ea765aba0d05254012b0b9e595e995c09186427f"},
			RuncCommit:       system.Commit{ID: "dc9208a3303feef5b3839f4323d9beb36df0a9dd"},
			Architecture:     "x86_64",
		}, client.ServerVersionResult{},
			func(t *testing.T, h audit.Host) {
				equal(t, "engine.seccomp_enabled", h.Engine.SeccompEnabled, false)
				equal(t, "engine.version", h.Engine.Version, "19.03.15")
				equal(t, "engine.containerd_version", h.Engine.ContainerdVersion, "ea765aba0d05254012b0b9e595e995c09186427f")
				equal(t, "engine.runc_version", h.Engine.RuncVersion, "dc9208a3303feef5b3839f4323d9beb36df0a9dd")
				equal(t, "arch", h.Arch, "x86_64")
				equal(t, "lsms", h.LSMs, []string{})
				equal(t, "engine.runtimes", h.Engine.Runtimes, []string{})
				equal(t, "engine.security_options", h.Engine.SecurityOptions, []string{})
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, HostFromDaemon(tt.info, tt.version)) })
	}
}
