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

	// The fields below are read from the machine itself by the host
	// collector (pkg/collect/host), for assets of kind host; assets from
	// an engine API leave them zero.
	// Scope is "machine" (the host collector read it), else "" (facts from
	// an engine API only).
	Scope string `json:"scope" cel:"scope"`
	// KernelPackage is the running kernel's distribution package as
	// "<release>:<version>" ("debian-12:6.1.76-1"), "" when not found.
	KernelPackage string `json:"kernel_package" cel:"kernel_package"`
	// KernelOrigin is "distribution" (a distribution build: its package
	// was found or the release names a distribution flavour such as
	// -amd64, -generic, .el9), "upstream" (a custom or upstream build whose
	// number is the upstream version), or "" when no kernel is known.
	KernelOrigin string `json:"kernel_origin" cel:"kernel_origin"`
	// KernelCmdline is /proc/cmdline split on spaces.
	KernelCmdline []string `json:"kernel_cmdline" cel:"kernel_cmdline"`
	// KernelsInstalled are the kernel releases installed under /boot or
	// /lib/modules, sorted; NewestKernel is the highest of them.
	KernelsInstalled []string  `json:"kernels_installed" cel:"kernels_installed"`
	NewestKernel     string    `json:"newest_kernel" cel:"newest_kernel"`
	Release          OSRelease `json:"release" cel:"release"`
	// Packages maps a runtime product (runc, containerd, docker, qemu) to
	// its installed distribution package as "<release>:<version>".
	Packages map[string]string `json:"packages" cel:"packages"`
	// ContainerdCRI is "enabled" when a containerd on this machine serves
	// the Kubernetes CRI plugin, "disabled" when every containerd config
	// read disables it (Docker's own containerd does), "" when unknown.
	ContainerdCRI string `json:"containerd_cri" cel:"containerd_cri"`
	// Sysctls holds the kernel settings that gate escapes, by dotted name
	// (kernel.unprivileged_userns_clone…); a setting the kernel does not
	// have is absent.
	Sysctls map[string]string `json:"sysctls" cel:"sysctls"`
	// CgroupV1Controllers are the cgroup v1 hierarchies mounted (their
	// release_agent files are reachable to CAP_SYS_ADMIN), sorted.
	CgroupV1Controllers []string       `json:"cgroup_v1_controllers" cel:"cgroup_v1_controllers"`
	Virtualization      Virtualization `json:"virtualization" cel:"virtualization"`
	CPU                 CPUState       `json:"cpu" cel:"cpu"`
	KVM                 KVMHost        `json:"kvm" cel:"kvm"`
	Guest               GuestFacts     `json:"guest" cel:"guest"`
	Updates             Updates        `json:"updates" cel:"updates"`
	Daemon              DockerDaemon   `json:"daemon" cel:"daemon"`
	Self                SelfView       `json:"self" cel:"self"`
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

// OSRelease is /etc/os-release with its end of life.
type OSRelease struct {
	ID         string `json:"id" cel:"id"`
	VersionID  string `json:"version_id" cel:"version_id"`
	PrettyName string `json:"pretty_name" cel:"pretty_name"`
	// Key is "<ID>-<VERSION_ID>" ("debian-12"), the advisory tables' key.
	Key string `json:"key" cel:"key"`
	// EOL is the end of security support (YYYY-MM-DD) from the embedded
	// table, "" when the release is not in it; EOLSource names the
	// vendor page. EOLPassed is true when the scan ran after EOL.
	EOL       string `json:"eol" cel:"eol"`
	EOLSource string `json:"eol_source" cel:"eol_source"`
	EOLPassed bool   `json:"eol_passed" cel:"eol_passed"`
}

// Virtualization is every layer the collector saw, outermost first.
type Virtualization struct {
	// Guest is true when a hypervisor layer was seen (this machine is a
	// VM); Container when the scanner runs in a container.
	Guest     bool `json:"guest" cel:"guest"`
	Container bool `json:"container" cel:"container"`
	// Hypervisor and ContainerRuntime name the layers ("kvm", "docker"),
	// "" when none.
	Hypervisor       string      `json:"hypervisor" cel:"hypervisor"`
	ContainerRuntime string      `json:"container_runtime" cel:"container_runtime"`
	Layers           []VirtLayer `json:"layers" cel:"layers"`
	// Signals are every signal read, decisive or not ("dmi sys_vendor=QEMU",
	// "/.dockerenv present (ignored: PID 1 in the root cgroup)").
	Signals []string `json:"signals" cel:"signals"`
	// Gopsutil is gopsutil's single answer ("docker guest"), kept for
	// comparison; "" when not asked (--root).
	Gopsutil string `json:"gopsutil" cel:"gopsutil"`
}

// VirtLayer is one layer: a hypervisor or a container runtime.
type VirtLayer struct {
	// Kind is "vm" or "container"; Technology is kvm, vmware, virtualbox,
	// hyperv, xen, qemu (TCG), docker, podman, lxc, kubernetes…
	Kind       string `json:"kind" cel:"kind"`
	Technology string `json:"technology" cel:"technology"`
	// DecidedBy is the signal that decided it; Evidence all that agreed.
	DecidedBy string   `json:"decided_by" cel:"decided_by"`
	Evidence  []string `json:"evidence" cel:"evidence"`
}

// KVMHost is what the kernel says about running guests on this machine:
// the KVM modules' parameters, kernel same-page merging and the IOMMU
// (reference vms.md §4.4, the KVM host checks).
type KVMHost struct {
	// Loaded is true when the kvm module is loaded; Module names the
	// vendor module (kvm_intel, kvm_amd, kvm_pvm…), "" when none is.
	Loaded bool   `json:"loaded" cel:"loaded"`
	Module string `json:"module" cel:"module"`
	// Nested is the vendor module's nested parameter: "enabled" (Y or
	// 1), "disabled" (N or 0), "" when the module has none.
	Nested string `json:"nested" cel:"nested"`
	// L1DFlush is kvm_intel's vmentry_l1d_flush (always, cond, never),
	// "" when absent.
	L1DFlush string `json:"l1d_flush" cel:"l1d_flush"`
	// KSMRun is /sys/kernel/mm/ksm/run ("0" stopped, "1" merging, "2"
	// unmerging), "" when the kernel has no KSM.
	KSMRun string `json:"ksm_run" cel:"ksm_run"`
	// IOMMUGroups counts /sys/kernel/iommu_groups entries; 0 means no
	// IOMMU isolates devices for assignment.
	IOMMUGroups int64 `json:"iommu_groups" cel:"iommu_groups"`
}

// CPUState is /sys/devices/system/cpu: side-channel states and SMT.
type CPUState struct {
	// Known is false when the kernel exposes no vulnerabilities directory.
	Known           bool               `json:"known" cel:"known"`
	Vulnerabilities []CPUVulnerability `json:"vulnerabilities" cel:"vulnerabilities"`
	// SMTControl is smt/control (on, off, forceoff, notsupported,
	// notimplemented), SMTActive smt/active; "" when absent.
	SMTControl string `json:"smt_control" cel:"smt_control"`
	SMTActive  bool   `json:"smt_active" cel:"smt_active"`
}

// CPUVulnerability is one file of /sys/devices/system/cpu/vulnerabilities.
type CPUVulnerability struct {
	Name  string `json:"name" cel:"name"`   // e.g. l1tf
	State string `json:"state" cel:"state"` // the file's text
	// Status is not_affected, mitigated, vulnerable (a definite
	// "Vulnerable") or unknown ("no microcode", "Host state unknown",
	// "Unknown": the kernel cannot tell, typically inside a guest).
	Status string `json:"status" cel:"status"`
}

// GuestFacts is what a VM guest shows of its hypervisor.
type GuestFacts struct {
	Tools []GuestTool `json:"tools" cel:"tools"`
	// SharedMounts are host file-sharing mounts (vboxsf, 9p, virtiofs,
	// vmhgfs, prl_fs).
	SharedMounts []SharedMount `json:"shared_mounts" cel:"shared_mounts"`
	// Devices are the paravirtual channels present (/dev/vsock,
	// /dev/vboxguest, /dev/virtio-ports/…), sorted.
	Devices []string `json:"devices" cel:"devices"`
	// VirtioDevices are the virtio device ids by kind (net, block,
	// balloon, vsock, rng, 9p, fs…), sorted.
	VirtioDevices []string `json:"virtio_devices" cel:"virtio_devices"`
}

// GuestTool is one guest agent or tools package.
type GuestTool struct {
	Name    string `json:"name" cel:"name"`       // open-vm-tools, virtualbox-guest-additions, qemu-guest-agent, spice-vdagent, hyperv-daemons, xe-guest-utilities
	Version string `json:"version" cel:"version"` // package or module version, "" when unknown
	Running bool   `json:"running" cel:"running"` // one of its processes runs
	Source  string `json:"source" cel:"source"`   // where it was seen
}

// SharedMount is one host file-sharing mount.
type SharedMount struct {
	FSType     string `json:"fstype" cel:"fstype"`
	Source     string `json:"source" cel:"source"`
	MountPoint string `json:"mount_point" cel:"mount_point"`
	RW         bool   `json:"rw" cel:"rw"`
}

// Updates is the package manager's view, read without network.
type Updates struct {
	// Known is true when a package database and its index were read.
	Known bool `json:"known" cel:"known"`
	// Security lists installed packages that a security repository index
	// on disk (/var/lib/apt/lists/*security*_Packages) has newer, as
	// "name installed → candidate"; sorted.
	Security []string `json:"security" cel:"security"`
	// IndexAge is the age in days of the newest index read (-1 unknown).
	IndexAge int64 `json:"index_age_days" cel:"index_age_days"`
	// RebootRequired is /var/run/reboot-required present; RebootPackages
	// its .pkgs list.
	RebootRequired bool     `json:"reboot_required" cel:"reboot_required"`
	RebootPackages []string `json:"reboot_packages" cel:"reboot_packages"`
}

// DockerDaemon is the Docker daemon's configuration on this machine:
// daemon.json merged with the running dockerd's command line (the
// command line wins, as in dockerd) and /info.
type DockerDaemon struct {
	// Known is true when dockerd is installed or running here and its
	// configuration could be read.
	Known bool `json:"known" cel:"known"`
	// Sources lists what was read ("/etc/docker/daemon.json",
	// "/proc/4185/cmdline", "/info").
	Sources []string `json:"sources" cel:"sources"`
	// Hosts are the listen addresses (-H / "hosts"), TLSVerify whether
	// clients must present certificates (tlsverify), TLS whether TLS is on.
	Hosts     []string `json:"hosts" cel:"hosts"`
	TLS       bool     `json:"tls" cel:"tls"`
	TLSVerify bool     `json:"tls_verify" cel:"tls_verify"`
	// UsernsRemap is userns-remap ("" when off); Rootless whether dockerd
	// runs as a non-root user.
	UsernsRemap     string `json:"userns_remap" cel:"userns_remap"`
	Rootless        bool   `json:"rootless" cel:"rootless"`
	NoNewPrivileges bool   `json:"no_new_privileges" cel:"no_new_privileges"`
	// ICC is inter-container communication on the default bridge (true
	// unless icc=false).
	ICC                  bool     `json:"icc" cel:"icc"`
	AuthorizationPlugins []string `json:"authorization_plugins" cel:"authorization_plugins"`
	// SeccompProfile is seccomp-profile ("" = the built-in default,
	// "unconfined" disables it, else a path).
	SeccompProfile string `json:"seccomp_profile" cel:"seccomp_profile"`
	// Socket is the local API socket.
	Socket DaemonSocket `json:"socket" cel:"socket"`
}

// DaemonSocket is the local API socket and who can reach it.
type DaemonSocket struct {
	Path string `json:"path" cel:"path"`
	// Mode is the permission bits in octal ("660"), "" when absent.
	Mode  string `json:"mode" cel:"mode"`
	Owner string `json:"owner" cel:"owner"`
	Group string `json:"group" cel:"group"`
	// GroupMembers are the socket group's members from /etc/group (user
	// names only), sorted.
	GroupMembers []string `json:"group_members" cel:"group_members"`
}

// SelfView is what the scanning process can do from where it runs
// (isoaudit scan --self inside a container): nothing is exploited, only
// read.
type SelfView struct {
	// Known is true when the self view was collected (--self).
	Known bool `json:"known" cel:"known"`
	// Capabilities are the effective capabilities (CapEff of
	// /proc/self/status) as names without CAP_, sorted.
	Capabilities []string `json:"capabilities" cel:"capabilities"`
	// Seccomp is "disabled", "strict" or "filter".
	Seccomp         string `json:"seccomp" cel:"seccomp"`
	AppArmor        string `json:"apparmor" cel:"apparmor"` // profile, "unconfined" or "" (no AppArmor)
	NoNewPrivileges bool   `json:"no_new_privileges" cel:"no_new_privileges"`
	// UserNamespace is true when uid_map is not the identity map.
	UserNamespace bool  `json:"user_namespace" cel:"user_namespace"`
	UID           int64 `json:"uid" cel:"uid"`
	// HostPIDSigns are why the PID namespace looks like the host's
	// ("pid 1 is systemd", "kthreadd visible"); empty when private.
	HostPIDSigns []string `json:"host_pid_signs" cel:"host_pid_signs"`
	// RuntimeSockets are engine sockets this process can connect to.
	RuntimeSockets []string `json:"runtime_sockets" cel:"runtime_sockets"`
	// WritableKernelFiles are kernel interfaces this process may write
	// (/proc/sys/kernel/core_pattern, /sys/kernel/uevent_helper,
	// /proc/sysrq-trigger), by access(2), nothing written.
	WritableKernelFiles []string `json:"writable_kernel_files" cel:"writable_kernel_files"`
	// ReleaseAgents are writable cgroup v1 release_agent files.
	ReleaseAgents []string `json:"release_agents" cel:"release_agents"`
	// HostMounts are bind mounts of host paths (mountinfo root not "/"
	// on a non-overlay filesystem), as "root on mountpoint (rw|ro)".
	HostMounts []string `json:"host_mounts" cel:"host_mounts"`
	// BlockDevices are block device nodes under /dev.
	BlockDevices []string `json:"block_devices" cel:"block_devices"`
}
