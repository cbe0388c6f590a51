package docker

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// NormalizeContainer turns one container inspect document into the
// normalized audit.Container. img is the inspect document of the
// container's image and may be nil (then image created time and user are
// unknown); host is the engine's context (Known false for offline input).
//
// It is a pure function, safe for concurrent use. Environment values, the
// command line and custom seccomp profile bodies never enter the result;
// list and map fields are empty rather than nil.
func NormalizeContainer(c container.InspectResponse, img *image.InspectResponse, host audit.Host) *audit.Container {
	hc := c.HostConfig
	if hc == nil {
		hc = &container.HostConfig{}
	}
	cfg := c.Config
	if cfg == nil {
		cfg = &container.Config{}
	}
	out := &audit.Container{
		ID:                c.ID,
		Name:              strings.TrimPrefix(c.Name, "/"),
		State:             stateOf(c.State),
		Image:             imageOf(cfg.Image, c.Image, img),
		Privileged:        hc.Privileged,
		Capabilities:      capabilitiesOf(hc.CapAdd, hc.CapDrop, hc.Privileged),
		Namespaces:        namespacesOf(hc),
		Mounts:            mountsOf(c, hc),
		Devices:           devicesOf(hc.Devices),
		DeviceCgroupRules: nonNil(slices.Clone(hc.DeviceCgroupRules)),
		Security:          securityOf(c, hc, host),
		ReadonlyRootfs:    hc.ReadonlyRootfs,
		Resources:         resourcesOf(hc.Resources),
		Sysctls:           nonNilMap(maps.Clone(hc.Sysctls)),
		Runtime:           cmp.Or(hc.Runtime, host.Engine.DefaultRuntime),
		Ports:             portsOf(hc),
		EnvNames:          EnvNames(cfg.Env),
		WorkingDir:        cfg.WorkingDir,
		CgroupParent:      hc.CgroupParent,
	}
	out.Sandboxed = IsSandboxedRuntime(out.Runtime)
	out.User = effectiveUser(cfg.User, out.Image.User)
	out.UID, out.Root = parseUser(out.User)
	return out
}

func stateOf(s *container.State) string {
	if s == nil {
		return ""
	}
	return string(s.Status)
}

func namespacesOf(hc *container.HostConfig) audit.Namespaces {
	return audit.Namespaces{
		PID:    string(hc.PidMode),
		Net:    string(hc.NetworkMode),
		IPC:    string(hc.IpcMode),
		UTS:    string(hc.UTSMode),
		User:   string(hc.UsernsMode),
		Cgroup: string(hc.CgroupnsMode),
	}
}

func devicesOf(devices []container.DeviceMapping) []audit.Device {
	out := make([]audit.Device, 0, len(devices))
	for _, d := range devices {
		out = append(out, audit.Device{PathOnHost: d.PathOnHost, PathInContainer: d.PathInContainer, CgroupPermissions: d.CgroupPermissions})
	}
	return out
}

func resourcesOf(r container.Resources) audit.Resources {
	out := audit.Resources{Memory: r.Memory, NanoCPUs: r.NanoCPUs, CPUShares: r.CPUShares, CPUQuota: r.CPUQuota}
	if r.PidsLimit != nil {
		out.PidsLimit = *r.PidsLimit
	}
	return out
}

// portsOf lists HostConfig.PortBindings sorted by container port, protocol,
// host IP and host port. A binding without a host port (a random port) has
// HostPort 0.
func portsOf(hc *container.HostConfig) []audit.Port {
	out := []audit.Port{}
	for port, bindings := range hc.PortBindings {
		for _, b := range bindings {
			p := audit.Port{ContainerPort: int64(port.Num()), Protocol: string(port.Proto())}
			if b.HostIP.IsValid() {
				p.HostIP = b.HostIP.String()
			}
			p.HostPort, _ = strconv.ParseInt(b.HostPort, 10, 64)
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b audit.Port) int {
		return cmp.Or(cmp.Compare(a.ContainerPort, b.ContainerPort), strings.Compare(a.Protocol, b.Protocol),
			strings.Compare(a.HostIP, b.HostIP), cmp.Compare(a.HostPort, b.HostPort))
	})
	return out
}

// EnvNames returns the names of "NAME=value" environment entries, sorted
// and without duplicates. Values are never kept.
func EnvNames(env []string) []string {
	names := make([]string, 0, len(env))
	for _, e := range env {
		name, _, _ := strings.Cut(e, "=")
		if name != "" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// IsSandboxedRuntime reports whether an OCI runtime name is one that gives
// the container its own kernel (gVisor, Kata Containers).
func IsSandboxedRuntime(name string) bool {
	n := strings.ToLower(name)
	return n == "runsc" || strings.Contains(n, "gvisor") || strings.HasPrefix(n, "kata") ||
		strings.HasPrefix(n, "io.containerd.runsc.") || strings.HasPrefix(n, "io.containerd.kata.")
}

// effectiveUser is the user the container runs as: the configured one, or
// the image's USER when none was configured and the image names a
// non-root user.
func effectiveUser(configured, imageUser string) string {
	if configured != "" || imageUser == "" {
		return configured
	}
	if _, root := parseUser(imageUser); root {
		return configured
	}
	return imageUser
}

// parseUser reads "user[:group]": "", "0" and "root" are root (uid 0); a
// number is that uid; a name only the image's passwd file resolves is
// uid -1.
func parseUser(user string) (uid int64, root bool) {
	name, _, _ := strings.Cut(user, ":")
	switch name {
	case "", "0", "root":
		return 0, true
	}
	if n, err := strconv.ParseInt(name, 10, 64); err == nil {
		return n, n == 0
	}
	return -1, false
}

// nonNilMap returns m, or an empty map when m is nil.
func nonNilMap[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return map[K]V{}
	}
	return m
}
