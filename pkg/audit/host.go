package audit

// Host is the context of the machine (or engine) an asset runs on,
// attached to every asset from the same source. Checks read it in CEL as
// `host`. Known is false when no host facts were available (an offline
// inspect file): checks that need them report unknown, not pass.
type Host struct {
	Known    bool   `json:"known" cel:"known"`
	Hostname string `json:"hostname" cel:"hostname"`
	Kernel   string `json:"kernel" cel:"kernel"` // kernel release, e.g. "6.1.0-18-amd64"
	OS       string `json:"os" cel:"os"`
	Arch     string `json:"arch" cel:"arch"`
	Engine   Engine `json:"engine" cel:"engine"`
	// CgroupVersion is "1" or "2" ("" when unknown).
	CgroupVersion string `json:"cgroup_version" cel:"cgroup_version"`
	CgroupDriver  string `json:"cgroup_driver" cel:"cgroup_driver"`
	// LSMs are the security modules the engine reports: "apparmor",
	// "selinux", "seccomp".
	LSMs []string `json:"lsms" cel:"lsms"`
	// Virt holds the hypervisor host's facts (libvirt and QEMU versions,
	// qemu.conf); Virt.Known is false when none were read.
	Virt VirtHost `json:"virt" cel:"virt"`
}

// Engine describes the container engine.
type Engine struct {
	Name              string   `json:"name" cel:"name"` // docker, podman
	Version           string   `json:"version" cel:"version"`
	APIVersion        string   `json:"api_version" cel:"api_version"`
	ContainerdVersion string   `json:"containerd_version" cel:"containerd_version"`
	RuncVersion       string   `json:"runc_version" cel:"runc_version"`
	DefaultRuntime    string   `json:"default_runtime" cel:"default_runtime"`
	Runtimes          []string `json:"runtimes" cel:"runtimes"`
	Rootless          bool     `json:"rootless" cel:"rootless"`
	UsernsRemap       bool     `json:"userns_remap" cel:"userns_remap"`
	// SeccompEnabled is false when the engine runs without seccomp support
	// (no `name=seccomp` security option), so no container gets a profile.
	SeccompEnabled bool `json:"seccomp_enabled" cel:"seccomp_enabled"`
	// SecurityOptions are the raw `/info SecurityOptions` entries.
	SecurityOptions []string `json:"security_options" cel:"security_options"`
}
