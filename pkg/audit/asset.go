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
	// context of the machine the asset runs on.
	Container *Container `json:"-"`
	VM        *VM        `json:"-"`
	Host      Host       `json:"-"`
}
