package docker

import (
	"slices"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// mountsOf returns the container's mounts sorted by destination: the
// daemon's Mounts[] first, then any HostConfig.Binds, HostConfig.Mounts and
// HostConfig.Tmpfs entry whose destination Mounts[] lacks (Docker 20.10
// never lists --tmpfs mounts there; other engines and hand-written inspect
// files may omit the rest).
func mountsOf(c container.InspectResponse, hc *container.HostConfig) []audit.Mount {
	out := make([]audit.Mount, 0, len(c.Mounts))
	seen := map[string]bool{}
	add := func(m audit.Mount) {
		if m.Destination == "" || seen[m.Destination] {
			return
		}
		seen[m.Destination] = true
		out = append(out, m)
	}
	for _, m := range c.Mounts {
		add(audit.Mount{Type: string(m.Type), Source: m.Source, Name: m.Name,
			Destination: m.Destination, RW: m.RW, Propagation: string(m.Propagation)})
	}
	for _, b := range hc.Binds {
		add(mountFromBind(b))
	}
	for _, m := range hc.Mounts {
		add(mountFromSpec(m))
	}
	for dest, options := range hc.Tmpfs {
		add(audit.Mount{Type: string(mount.TypeTmpfs), Destination: dest, RW: !hasOption(options, "ro")})
	}
	slices.SortFunc(out, func(a, b audit.Mount) int { return strings.Compare(a.Destination, b.Destination) })
	return out
}

// mountFromBind parses a -v spec "source:destination[:options]". A source
// that is not an absolute path names a volume.
func mountFromBind(spec string) audit.Mount {
	parts := strings.Split(spec, ":")
	m := audit.Mount{Type: string(mount.TypeBind), RW: true}
	switch len(parts) {
	case 1:
		m.Type, m.Destination = string(mount.TypeVolume), parts[0]
		return m
	case 2:
		m.Source, m.Destination = parts[0], parts[1]
	default:
		m.Source, m.Destination = parts[0], parts[1]
		applyBindOptions(&m, parts[2])
	}
	if !strings.HasPrefix(m.Source, "/") {
		m.Type, m.Name = string(mount.TypeVolume), m.Source
	}
	return m
}

// applyBindOptions reads the comma-separated options of a -v spec.
func applyBindOptions(m *audit.Mount, options string) {
	for opt := range strings.SplitSeq(options, ",") {
		switch opt {
		case "ro":
			m.RW = false
		case "shared", "rshared", "slave", "rslave", "private", "rprivate":
			m.Propagation = opt
		}
	}
}

// mountFromSpec converts a --mount entry from HostConfig.Mounts.
func mountFromSpec(s mount.Mount) audit.Mount {
	m := audit.Mount{Type: string(s.Type), Source: s.Source, Destination: s.Target, RW: !s.ReadOnly}
	if s.Type == mount.TypeVolume {
		m.Name = s.Source
	}
	if s.BindOptions != nil {
		m.Propagation = string(s.BindOptions.Propagation)
	}
	return m
}

// hasOption reports whether a comma-separated option list holds opt.
func hasOption(options, opt string) bool {
	return slices.Contains(strings.Split(options, ","), opt)
}
