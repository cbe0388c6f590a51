package audit

// Asset is one audited thing: a container, a VM or a host, with the
// normalized document its kind's checks read.
type Asset struct {
	// ID is stable across restarts of the workload: it is built from the
	// platform, host and asset name, never from a container id.
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	Kind     Kind              `json:"kind"`
	Platform string            `json:"platform"` // docker, podman, libvirt…
	Source   string            `json:"source"`   // the source endpoint it came from
	Labels   map[string]string `json:"labels,omitempty"`
	// Exactly one of Container and VM is set, matching Kind; Host is the
	// context of the machine the asset runs on, shared by the assets of
	// one source (read it with HostFacts: nil means nothing is known).
	Container *Container `json:"-"`
	VM        *VM        `json:"-"`
	Host      *Host      `json:"-"`
}

// noHost is what an asset without host facts reads: nothing is known.
var noHost Host

// HostFacts returns the asset's host context, or an empty one (Known
// false) when none was attached. The result is shared: do not modify it.
func (a *Asset) HostFacts() *Host {
	if a.Host == nil {
		return &noHost
	}
	return a.Host
}

// HostName returns the name of the machine the asset runs on, "" when
// unknown.
func (a *Asset) HostName() string { return a.HostFacts().Hostname }
