package audit

// Container is the normalized document of one container, the same whatever
// produced it (Docker or Podman API, an offline `docker inspect` file).
// Checks read it in CEL as `container`; field names below are the CEL and
// JSON names. Every field is documented in checks/README.md.
//
// Values that could hold secrets never enter the document: environment
// variables appear by name only, and the command line is not kept.
type Container struct {
	ID    string `json:"id" cel:"id"`
	Name  string `json:"name" cel:"name"`
	State string `json:"state" cel:"state"` // running, created, exited, paused…
	Image Image  `json:"image" cel:"image"`
	// User is the configured user as written ("", "0", "root", "1000:1000",
	// "app"); UID is its numeric uid when it can be told (-1 when it names
	// a user that only the image's passwd file resolves). Root is true for
	// "", "0", "root" and "0:…"/"root:…".
	User              string            `json:"user" cel:"user"`
	UID               int64             `json:"uid" cel:"uid"`
	Root              bool              `json:"root" cel:"root"`
	Privileged        bool              `json:"privileged" cel:"privileged"`
	Capabilities      Capabilities      `json:"capabilities" cel:"capabilities"`
	Namespaces        Namespaces        `json:"namespaces" cel:"namespaces"`
	Mounts            []Mount           `json:"mounts" cel:"mounts"`
	Devices           []Device          `json:"devices" cel:"devices"`
	DeviceCgroupRules []string          `json:"device_cgroup_rules" cel:"device_cgroup_rules"`
	Security          Security          `json:"security" cel:"security"`
	ReadonlyRootfs    bool              `json:"readonly_rootfs" cel:"readonly_rootfs"`
	Resources         Resources         `json:"resources" cel:"resources"`
	Sysctls           map[string]string `json:"sysctls" cel:"sysctls"`
	// Runtime is the OCI runtime name (runc, runsc, kata-runtime, crun…);
	// Sandboxed is true for runtimes that give the container its own kernel.
	Runtime      string   `json:"runtime" cel:"runtime"`
	Sandboxed    bool     `json:"sandboxed" cel:"sandboxed"`
	Ports        []Port   `json:"ports" cel:"ports"`
	EnvNames     []string `json:"env_names" cel:"env_names"`
	WorkingDir   string   `json:"working_dir" cel:"working_dir"`
	CgroupParent string   `json:"cgroup_parent" cel:"cgroup_parent"`
}

// Image describes the image a container runs.
type Image struct {
	Ref      string `json:"ref" cel:"ref"` // as configured, e.g. "nginx:1.27"
	ID       string `json:"id" cel:"id"`   // content id, "sha256:…"
	Registry string `json:"registry" cel:"registry"`
	Repo     string `json:"repo" cel:"repo"`
	Tag      string `json:"tag" cel:"tag"`
	Digest   string `json:"digest" cel:"digest"`
	Created  string `json:"created" cel:"created"` // RFC 3339, "" when unknown
	User     string `json:"user" cel:"user"`       // the image config's USER, "" when unknown
}

// Capabilities are Linux capability names without the CAP_ prefix, upper
// case. Effective is the engine's default set plus Added minus Dropped,
// with ALL and privileged mode expanded to the full set.
type Capabilities struct {
	Added     []string `json:"added" cel:"added"`
	Dropped   []string `json:"dropped" cel:"dropped"`
	Effective []string `json:"effective" cel:"effective"`
}

// Namespaces holds each namespace mode as the engine reports it: "host",
// "private", "container:<id>", "shareable", or "" for the engine default.
type Namespaces struct {
	PID    string `json:"pid" cel:"pid"`
	Net    string `json:"net" cel:"net"`
	IPC    string `json:"ipc" cel:"ipc"`
	UTS    string `json:"uts" cel:"uts"`
	User   string `json:"user" cel:"user"`
	Cgroup string `json:"cgroup" cel:"cgroup"`
}

// Mount is one filesystem mount: bind, volume, tmpfs, npipe…
type Mount struct {
	Type        string `json:"type" cel:"type"`
	Source      string `json:"source" cel:"source"` // host path for binds; volume path for volumes
	Name        string `json:"name" cel:"name"`     // volume name, "" otherwise
	Destination string `json:"destination" cel:"destination"`
	RW          bool   `json:"rw" cel:"rw"`
	Propagation string `json:"propagation" cel:"propagation"`
}

// Device is a host device node passed into the container.
type Device struct {
	PathOnHost        string `json:"path_on_host" cel:"path_on_host"`
	PathInContainer   string `json:"path_in_container" cel:"path_in_container"`
	CgroupPermissions string `json:"cgroup_permissions" cel:"cgroup_permissions"`
}

// Security is the container's LSM and hardening configuration.
type Security struct {
	// Seccomp is "default" (the engine's profile), "unconfined", or
	// "custom" (a profile passed by the user).
	Seccomp string `json:"seccomp" cel:"seccomp"`
	// AppArmor is the profile name, "unconfined", or "" when the host has
	// no AppArmor or the engine did not report one.
	AppArmor string `json:"apparmor" cel:"apparmor"`
	// SELinuxLabel is the process label; SELinuxDisabled is true when
	// `label=disable` was set by the user (not the one the engine adds for
	// privileged/host-PID/host-IPC containers).
	SELinuxLabel    string   `json:"selinux_label" cel:"selinux_label"`
	SELinuxDisabled bool     `json:"selinux_disabled" cel:"selinux_disabled"`
	NoNewPrivileges bool     `json:"no_new_privileges" cel:"no_new_privileges"`
	MaskedPaths     []string `json:"masked_paths" cel:"masked_paths"`
	ReadonlyPaths   []string `json:"readonly_paths" cel:"readonly_paths"`
	// SystemPathsUnconfined is true when masked and read-only paths were
	// removed (`--security-opt systempaths=unconfined`) on a container
	// that is not privileged.
	SystemPathsUnconfined bool `json:"systempaths_unconfined" cel:"systempaths_unconfined"`
	WritableCgroups       bool `json:"writable_cgroups" cel:"writable_cgroups"`
	// Options are the raw security options, normalized to key=value.
	Options []string `json:"options" cel:"options"`
}

// Resources are the cgroup limits; 0 means unlimited.
type Resources struct {
	Memory    int64 `json:"memory" cel:"memory"`         // bytes
	PidsLimit int64 `json:"pids_limit" cel:"pids_limit"` // 0 or negative: unlimited
	NanoCPUs  int64 `json:"nano_cpus" cel:"nano_cpus"`
	CPUShares int64 `json:"cpu_shares" cel:"cpu_shares"`
	CPUQuota  int64 `json:"cpu_quota" cel:"cpu_quota"`
}

// Port is one published port.
type Port struct {
	HostIP        string `json:"host_ip" cel:"host_ip"`
	HostPort      int64  `json:"host_port" cel:"host_port"`
	ContainerPort int64  `json:"container_port" cel:"container_port"`
	Protocol      string `json:"protocol" cel:"protocol"`
}
