package docker

import (
	"slices"
	"strings"

	"github.com/moby/moby/api/types/system"
	"github.com/moby/moby/client"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// HostFromDaemon builds the host context from the daemon's /info and
// /version answers. Known is always true. Engine.Name is "podman" when
// /version lists a "Podman Engine" component, else "docker". Runtimes and
// LSMs are sorted.
func HostFromDaemon(info system.Info, version client.ServerVersionResult) audit.Host {
	opts := parseSecurityOptions(info.SecurityOptions)
	return audit.Host{
		Known:         true,
		Hostname:      info.Name,
		Kernel:        info.KernelVersion,
		OS:            info.OperatingSystem,
		Arch:          firstNonEmpty(version.Arch, info.Architecture),
		CgroupVersion: info.CgroupVersion,
		CgroupDriver:  info.CgroupDriver,
		LSMs:          opts.lsms,
		Engine:        engineFromDaemon(info, version, opts),
	}
}

// engineFromDaemon fills the engine facts; component versions come from
// /version, with /info's commit ids as the fallback.
func engineFromDaemon(info system.Info, version client.ServerVersionResult, opts daemonSecurity) audit.Engine {
	return audit.Engine{
		Name:              engineName(version),
		Version:           firstNonEmpty(version.Version, info.ServerVersion),
		APIVersion:        version.APIVersion,
		ContainerdVersion: firstNonEmpty(componentVersion(version, "containerd"), info.ContainerdCommit.ID),
		RuncVersion:       firstNonEmpty(componentVersion(version, "runc"), info.RuncCommit.ID),
		DefaultRuntime:    info.DefaultRuntime,
		Runtimes:          runtimeNames(info.Runtimes),
		Rootless:          opts.names["rootless"],
		UsernsRemap:       opts.names["userns"],
		SeccompEnabled:    opts.names["seccomp"],
		SecurityOptions:   nonNil(slices.Clone(info.SecurityOptions)),
	}
}

// engineName tells Podman's compatible API from Docker's.
func engineName(version client.ServerVersionResult) string {
	for _, c := range version.Components {
		if strings.Contains(strings.ToLower(c.Name), "podman") {
			return "podman"
		}
	}
	if strings.Contains(strings.ToLower(version.Platform.Name), "podman") {
		return "podman"
	}
	return "docker"
}

// componentVersion returns the version of the named /version component,
// "" when absent.
func componentVersion(version client.ServerVersionResult, name string) string {
	for _, c := range version.Components {
		if strings.EqualFold(c.Name, name) {
			return c.Version
		}
	}
	return ""
}

func runtimeNames(runtimes map[string]system.RuntimeWithStatus) []string {
	names := make([]string, 0, len(runtimes))
	for name := range runtimes {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// daemonSecurity is what /info SecurityOptions say: each entry is a
// comma-separated list of key=value pairs such as
// "name=seccomp,profile=default".
type daemonSecurity struct {
	names map[string]bool
	lsms  []string
}

func parseSecurityOptions(options []string) daemonSecurity {
	ds := daemonSecurity{names: map[string]bool{}, lsms: []string{}}
	for _, opt := range options {
		for field := range strings.SplitSeq(opt, ",") {
			key, value, _ := strings.Cut(field, "=")
			if strings.TrimSpace(key) == "name" {
				ds.names[strings.TrimSpace(value)] = true
			}
		}
	}
	for _, lsm := range []string{"apparmor", "seccomp", "selinux"} {
		if ds.names[lsm] {
			ds.lsms = append(ds.lsms, lsm)
		}
	}
	return ds
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// nonNil returns s, or an empty slice when s is nil, so documents hold []
// rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
