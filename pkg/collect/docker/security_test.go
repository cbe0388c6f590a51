package docker

import (
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

func TestParseSecurityOpt(t *testing.T) {
	tests := []struct {
		raw        string
		key, value string
	}{
		{"seccomp=unconfined", "seccomp", "unconfined"},
		{"seccomp:unconfined", "seccomp", "unconfined"},
		{"label=type:svirt_apache_t", "label", "type:svirt_apache_t"},
		{"label:level:s0:c100,c200", "label", "level:s0:c100,c200"},
		{"no-new-privileges", "no-new-privileges", ""},
		{"no-new-privileges:true", "no-new-privileges", "true"},
		{`seccomp={"defaultAction":"SCMP_ACT_ERRNO"}`, "seccomp", `{"defaultAction":"SCMP_ACT_ERRNO"}`},
	}
	for _, tt := range tests {
		got := parseSecurityOpt(tt.raw)
		if got.key != tt.key || got.value != tt.value {
			t.Errorf("parseSecurityOpt(%q) = %q, %q; want %q, %q", tt.raw, got.key, got.value, tt.key, tt.value)
		}
	}
}

func TestSecurityOf(t *testing.T) {
	seccompHost := audit.Host{Known: true, Engine: audit.Engine{SeccompEnabled: true}}
	tests := []struct {
		name  string
		hc    container.HostConfig
		aa    string // AppArmorProfile
		host  audit.Host
		check func(t *testing.T, s audit.Security)
	}{
		{"legacy seccomp colon", container.HostConfig{SecurityOpt: []string{"seccomp:unconfined"}}, "", seccompHost,
			func(t *testing.T, s audit.Security) {
				equal(t, "seccomp", s.Seccomp, "unconfined")
				equal(t, "options", s.Options, []string{"seccomp=unconfined"})
			}},
		{"builtin seccomp is the default", container.HostConfig{SecurityOpt: []string{"seccomp=builtin"}}, "", seccompHost,
			func(t *testing.T, s audit.Security) { equal(t, "seccomp", s.Seccomp, "default") }},
		{"privileged with explicit profiles", container.HostConfig{Privileged: true,
			SecurityOpt: []string{`seccomp={"x":1}`, "apparmor=docker-default"}}, "docker-default", seccompHost,
			func(t *testing.T, s audit.Security) {
				equal(t, "seccomp", s.Seccomp, "custom")
				equal(t, "apparmor", s.AppArmor, "docker-default")
			}},
		{"apparmor profile reported", container.HostConfig{}, "docker-default", seccompHost,
			func(t *testing.T, s audit.Security) { equal(t, "apparmor", s.AppArmor, "docker-default") }},
		{"apparmor colon unconfined", container.HostConfig{SecurityOpt: []string{"apparmor:unconfined"}}, "", seccompHost,
			func(t *testing.T, s audit.Security) { equal(t, "apparmor", s.AppArmor, "unconfined") }},
		{"label colon disable", container.HostConfig{SecurityOpt: []string{"label:disable"}}, "", seccompHost,
			func(t *testing.T, s audit.Security) { equal(t, "selinux_disabled", s.SELinuxDisabled, true) }},
		{"label disable on host ipc is the daemon's", container.HostConfig{IpcMode: "host", SecurityOpt: []string{"label=disable"}}, "", seccompHost,
			func(t *testing.T, s audit.Security) { equal(t, "selinux_disabled", s.SELinuxDisabled, false) }},
		{"no-new-privileges=false", container.HostConfig{SecurityOpt: []string{"no-new-privileges=false"}}, "", seccompHost,
			func(t *testing.T, s audit.Security) { equal(t, "no_new_privileges", s.NoNewPrivileges, false) }},
		{"no-new-privileges=true", container.HostConfig{SecurityOpt: []string{"no-new-privileges=true"}}, "", seccompHost,
			func(t *testing.T, s audit.Security) { equal(t, "no_new_privileges", s.NoNewPrivileges, true) }},
		{"writable cgroups", container.HostConfig{SecurityOpt: []string{"writable-cgroups=true"}}, "", seccompHost,
			func(t *testing.T, s audit.Security) { equal(t, "writable_cgroups", s.WritableCgroups, true) }},
		{"writable cgroups false", container.HostConfig{SecurityOpt: []string{"writable-cgroups=false"}}, "", seccompHost,
			func(t *testing.T, s audit.Security) { equal(t, "writable_cgroups", s.WritableCgroups, false) }},
		{"systempaths option kept by another engine", container.HostConfig{SecurityOpt: []string{"systempaths=unconfined"},
			MaskedPaths: []string{"/proc/kcore"}}, "", seccompHost,
			func(t *testing.T, s audit.Security) {
				equal(t, "systempaths_unconfined", s.SystemPathsUnconfined, true)
			}},
		{"null masked paths are not unconfined", container.HostConfig{}, "", seccompHost,
			func(t *testing.T, s audit.Security) {
				equal(t, "systempaths_unconfined", s.SystemPathsUnconfined, false)
				equal(t, "masked_paths", s.MaskedPaths, []string{})
			}},
		{"engine without seccomp", container.HostConfig{SecurityOpt: []string{`seccomp={"x":1}`}}, "", audit.Host{Known: true},
			func(t *testing.T, s audit.Security) { equal(t, "seccomp", s.Seccomp, "unconfined") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hc := tt.hc
			tt.check(t, securityOf(container.InspectResponse{AppArmorProfile: tt.aa}, &hc, tt.host))
		})
	}
}
