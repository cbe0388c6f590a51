package compose

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
)

// apiSocket is what `use_api_socket: true` mounts into the container.
const apiSocket = "/var/run/docker.sock"

// inspectOf builds the inspect document `docker compose up` would create
// for service s of project: Config and HostConfig as the Engine API
// receives them. Settings the document has no place for are ignored;
// ones isoaudit cannot judge offline come back as notes.
func inspectOf(p *types.Project, s types.ServiceConfig) (container.InspectResponse, []string) {
	var notes []string
	project := p.Name
	cfg := &container.Config{
		Image:      imageOf(project, s),
		User:       s.User,
		WorkingDir: s.WorkingDir,
		Env:        envNamesOnly(s.Environment),
		Labels:     labelsOf(project, s),
	}
	hc := &container.HostConfig{
		Privileged:     s.Privileged,
		CapAdd:         s.CapAdd,
		CapDrop:        s.CapDrop,
		CgroupnsMode:   container.CgroupnsMode(s.Cgroup),
		PidMode:        container.PidMode(serviceRef(s.Pid)),
		IpcMode:        container.IpcMode(serviceRef(s.Ipc)),
		NetworkMode:    container.NetworkMode(serviceRef(s.NetworkMode)),
		UTSMode:        container.UTSMode(s.Uts),
		UsernsMode:     container.UsernsMode(s.UserNSMode),
		SecurityOpt:    s.SecurityOpt,
		ReadonlyRootfs: s.ReadOnly,
		Sysctls:        map[string]string(s.Sysctls),
		Runtime:        s.Runtime,
		Tmpfs:          tmpfsOf(s.Tmpfs),
		Mounts:         mountsOf(p, s),
		PortBindings:   portsOf(s.Ports),
		Resources:      resourcesOf(s),
	}
	hc.CgroupParent = s.CgroupParent
	hc.DeviceCgroupRules = s.DeviceCgroupRules
	for _, d := range s.Devices {
		hc.Devices = append(hc.Devices, container.DeviceMapping{PathOnHost: d.Source,
			PathInContainer: cmpOr(d.Target, d.Source), CgroupPermissions: cmpOr(d.Permissions, "rwm")})
	}
	if len(s.VolumesFrom) > 0 {
		notes = append(notes, "volumes_from "+strings.Join(s.VolumesFrom, ", ")+" is not audited (the mounts come from another container)")
	}
	return container.InspectResponse{
		Name:       "/" + cmpOr(s.ContainerName, project+"-"+s.Name+"-1"),
		Config:     cfg,
		HostConfig: hc,
		State:      &container.State{Status: "created"},
	}, notes
}

// imageOf is the image reference; a service that is only built gets the
// name `docker compose build` gives it.
func imageOf(project string, s types.ServiceConfig) string {
	if s.Image != "" {
		return s.Image
	}
	return project + "-" + s.Name
}

// serviceRef maps compose's "service:NAME" to the Engine's
// "container:NAME" (compose resolves it to that service's container).
func serviceRef(mode string) string {
	if name, ok := strings.CutPrefix(mode, "service:"); ok {
		return "container:" + name
	}
	return mode
}

// envNamesOnly keeps "NAME=" for every variable: the values are dropped
// here, before anything else sees them.
func envNamesOnly(env types.MappingWithEquals) []string {
	out := make([]string, 0, len(env))
	for name := range env {
		out = append(out, name+"=")
	}
	sort.Strings(out)
	return out
}

// labelsOf are the service's labels plus the two compose sets itself.
func labelsOf(project string, s types.ServiceConfig) map[string]string {
	out := map[string]string{"com.docker.compose.project": project, "com.docker.compose.service": s.Name}
	for k, v := range s.Labels {
		out[k] = v
	}
	return out
}

func tmpfsOf(list types.StringList) map[string]string {
	if len(list) == 0 {
		return nil
	}
	out := map[string]string{}
	for _, t := range list {
		dest, opts, _ := strings.Cut(t, ":")
		out[dest] = opts
	}
	return out
}

// mountsOf converts the service's volumes (and use_api_socket) into
// Engine mounts; a named volume gets the name compose creates it under.
func mountsOf(p *types.Project, s types.ServiceConfig) []mount.Mount {
	var out []mount.Mount
	for _, v := range s.Volumes {
		m := mount.Mount{Type: mount.Type(v.Type), Source: v.Source, Target: v.Target, ReadOnly: v.ReadOnly}
		if vol, ok := p.Volumes[v.Source]; ok && v.Type == types.VolumeTypeVolume && vol.Name != "" {
			m.Source = vol.Name
		}
		if v.Bind != nil && v.Bind.Propagation != "" {
			m.BindOptions = &mount.BindOptions{Propagation: mount.Propagation(v.Bind.Propagation)}
		}
		out = append(out, m)
	}
	if s.UseAPISocket {
		out = append(out, mount.Mount{Type: mount.TypeBind, Source: apiSocket, Target: apiSocket})
	}
	return out
}

func portsOf(ports []types.ServicePortConfig) network.PortMap {
	if len(ports) == 0 {
		return nil
	}
	out := network.PortMap{}
	for _, p := range ports {
		port, err := network.ParsePort(fmt.Sprintf("%d/%s", p.Target, cmpOr(p.Protocol, "tcp")))
		if err != nil {
			continue
		}
		b := network.PortBinding{HostPort: p.Published}
		if ip, err := netip.ParseAddr(p.HostIP); err == nil {
			b.HostIP = ip
		}
		out[port] = append(out[port], b)
	}
	return out
}

// resourcesOf applies the service-level limits, then deploy.resources
// limits over them, as `docker compose` does.
func resourcesOf(s types.ServiceConfig) container.Resources {
	r := container.Resources{
		Memory:    int64(s.MemLimit),
		NanoCPUs:  int64(float64(s.CPUS) * 1e9),
		CPUShares: s.CPUShares,
		CPUQuota:  s.CPUQuota,
	}
	if s.PidsLimit != 0 {
		r.PidsLimit = &s.PidsLimit
	}
	if s.Deploy != nil && s.Deploy.Resources.Limits != nil {
		l := s.Deploy.Resources.Limits
		if l.MemoryBytes > 0 {
			r.Memory = int64(l.MemoryBytes)
		}
		if l.NanoCPUs > 0 {
			r.NanoCPUs = int64(float64(l.NanoCPUs) * 1e9)
		}
		if l.Pids != 0 {
			pids := l.Pids
			r.PidsLimit = &pids
		}
	}
	names := make([]string, 0, len(s.Ulimits))
	for name := range s.Ulimits {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		u := s.Ulimits[name]
		soft, hard := int64(u.Soft), int64(u.Hard)
		if u.Single != 0 {
			soft, hard = int64(u.Single), int64(u.Single)
		}
		r.Ulimits = append(r.Ulimits, &container.Ulimit{Name: name, Soft: soft, Hard: hard})
	}
	return r
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
