package docker

import (
	"slices"
	"strings"

	"github.com/moby/moby/api/types/container"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Seccomp and AppArmor values in the normalized document.
const (
	seccompDefault    = "default"
	seccompUnconfined = "unconfined"
	seccompCustom     = "custom"
	unconfined        = "unconfined"
	// customSeccompOption replaces a custom profile's JSON body in Options.
	customSeccompOption = "seccomp=<custom profile>"
)

// securityOpt is one HostConfig.SecurityOpt entry split into key and value
// ("no-new-privileges" has no value).
type securityOpt struct{ key, value string }

// parseSecurityOpt splits an entry the way the daemon does: at the first
// "=", or at the first ":" for the legacy "key:value" spelling.
func parseSecurityOpt(raw string) securityOpt {
	key, value, ok := strings.Cut(raw, "=")
	if !ok || strings.Contains(key, ":") {
		key, value, _ = strings.Cut(raw, ":")
	}
	return securityOpt{key: strings.TrimSpace(key), value: strings.TrimSpace(value)}
}

// securityOpts is the parsed HostConfig.SecurityOpt list.
type securityOpts []securityOpt

func parseSecurityOpts(raw []string) securityOpts {
	opts := make(securityOpts, 0, len(raw))
	for _, r := range raw {
		opts = append(opts, parseSecurityOpt(r))
	}
	return opts
}

// value returns the value of the last option named key.
func (o securityOpts) value(key string) (string, bool) {
	for i := len(o) - 1; i >= 0; i-- {
		if o[i].key == key {
			return o[i].value, true
		}
	}
	return "", false
}

// flag reports a boolean option: present with no value or "true".
func (o securityOpts) flag(key string) bool {
	v, ok := o.value(key)
	return ok && (v == "" || strings.EqualFold(v, "true"))
}

// normalized returns the options as key=value (key alone when it has no
// value), with a custom seccomp profile's body replaced by a placeholder.
func (o securityOpts) normalized() []string {
	out := make([]string, 0, len(o))
	for _, opt := range o {
		switch {
		case opt.key == "seccomp" && isCustomSeccomp(opt.value):
			out = append(out, customSeccompOption)
		case opt.value == "":
			out = append(out, opt.key)
		default:
			out = append(out, opt.key+"="+opt.value)
		}
	}
	return out
}

// isCustomSeccomp reports whether a seccomp option value is a user profile
// rather than "unconfined" or the engine's built-in one.
func isCustomSeccomp(value string) bool {
	return value != "" && value != seccompUnconfined && value != "builtin"
}

// securityOf normalizes the container's LSM and hardening settings.
func securityOf(c container.InspectResponse, hc *container.HostConfig, host audit.Host) audit.Security {
	opts := parseSecurityOpts(hc.SecurityOpt)
	return audit.Security{
		Seccomp:               seccompOf(opts, hc.Privileged, host),
		AppArmor:              appArmorOf(opts, c.AppArmorProfile, hc.Privileged),
		SELinuxLabel:          c.ProcessLabel,
		SELinuxDisabled:       selinuxDisabled(opts, hc),
		NoNewPrivileges:       opts.flag("no-new-privileges"),
		MaskedPaths:           nonNil(slices.Clone(hc.MaskedPaths)),
		ReadonlyPaths:         nonNil(slices.Clone(hc.ReadonlyPaths)),
		SystemPathsUnconfined: systemPathsUnconfined(opts, hc),
		WritableCgroups:       hc.Privileged || opts.flag("writable-cgroups"),
		Options:               opts.normalized(),
	}
}

// seccompOf: an explicit "unconfined", or an engine without seccomp, is
// unconfined; a user profile is custom; privileged mode without a profile
// skips the default one (moby daemon/seccomp_linux.go).
func seccompOf(opts securityOpts, privileged bool, host audit.Host) string {
	v, set := opts.value("seccomp")
	switch {
	case set && v == seccompUnconfined:
		return seccompUnconfined
	case host.Known && !host.Engine.SeccompEnabled:
		return seccompUnconfined
	case set && isCustomSeccomp(v):
		return seccompCustom
	case privileged && !set:
		return seccompUnconfined
	}
	return seccompDefault
}

// appArmorOf: privileged mode without an explicit profile runs unconfined
// (moby daemon/oci_linux.go); otherwise the profile the engine reports,
// or the requested one when the engine reported none.
func appArmorOf(opts securityOpts, profile string, privileged bool) string {
	v, set := opts.value("apparmor")
	switch {
	case v == unconfined || profile == unconfined:
		return unconfined
	case privileged && !set:
		return unconfined
	case profile == "" && set:
		return v
	}
	return profile
}

// selinuxDisabled is true for a user's label=disable. The daemon adds the
// same option itself to privileged, host-PID and host-IPC containers
// (Daemon.generateSecurityOpt); there it is not a separate choice.
func selinuxDisabled(opts securityOpts, hc *container.HostConfig) bool {
	if hc.Privileged || hc.PidMode.IsHost() || hc.IpcMode.IsHost() {
		return false
	}
	for _, o := range opts {
		if o.key == "label" && o.value == "disable" {
			return true
		}
	}
	return false
}

// systemPathsUnconfined: the daemon consumes systempaths=unconfined and
// stores MaskedPaths as an empty list (not null) on non-privileged
// containers; privileged containers have null lists (observed on Docker
// 20.10.24).
func systemPathsUnconfined(opts securityOpts, hc *container.HostConfig) bool {
	if v, ok := opts.value("systempaths"); ok && v == unconfined {
		return true
	}
	return !hc.Privileged && hc.MaskedPaths != nil && len(hc.MaskedPaths) == 0
}
