package audit

// VirtHost is the hypervisor side of a host: the settings every VM on it
// inherits. It is meant to become the `virt` field of Host (read in CEL
// as `host.virt`), filled by the libvirt collectors; checks of kind host
// read `host.virt.qemu_conf`, and VM collectors also fold its defaults
// into each VM document (a console without a listen address gets
// vnc_listen), so VM checks need not read it. Known is false when no
// hypervisor facts were read.
type VirtHost struct {
	Known bool `json:"known" cel:"known"`
	// LibvirtVersion and QEMUVersion are as the daemon reports them
	// ("10.0.0", "8.2.2"), "" when unknown (offline files).
	LibvirtVersion string `json:"libvirt_version" cel:"libvirt_version"`
	QEMUVersion    string `json:"qemu_version" cel:"qemu_version"`
	// QEMUPackage and LibvirtPackage are the distribution packages
	// ("debian-12:1:7.2+dfsg-7+deb12u18") when the daemon runs on the
	// scanning machine and its package database was read, else "".
	QEMUPackage    string     `json:"qemu_package" cel:"qemu_package"`
	LibvirtPackage string     `json:"libvirt_package" cel:"libvirt_package"`
	QEMUConf       QEMUConfig `json:"qemu_conf" cel:"qemu_conf"`
}

// QEMUConfig is the libvirt QEMU driver configuration
// (/etc/libvirt/qemu.conf). Every field holds the effective value: the
// file's value when the key is set, else libvirt's documented default
// (src/qemu/qemu.conf.in); Set lists the keys the file sets. Password
// values are never kept: only set / not_set / empty.
type QEMUConfig struct {
	// Known is true when a qemu.conf was read; when false every field
	// holds the built-in default, and checks that depend on the file
	// should report unknown.
	Known bool `json:"known" cel:"known"`
	// Path is the file read.
	Path string `json:"path" cel:"path"`
	// Set are the keys the file sets, sorted.
	Set []string `json:"set" cel:"set"`

	// VNCListen is vnc_listen (default "127.0.0.1"): the address of every
	// VNC console that does not give its own.
	VNCListen string `json:"vnc_listen" cel:"vnc_listen"`
	// VNCAutoUnixSocket is vnc_auto_unix_socket (default false): consoles
	// without an address listen on a UNIX socket instead of VNCListen.
	VNCAutoUnixSocket bool `json:"vnc_auto_unix_socket" cel:"vnc_auto_unix_socket"`
	VNCTLS            bool `json:"vnc_tls" cel:"vnc_tls"`
	// VNCTLSX509Verify is vnc_tls_x509_verify, defaulting to
	// default_tls_x509_verify, else false.
	VNCTLSX509Verify bool `json:"vnc_tls_x509_verify" cel:"vnc_tls_x509_verify"`
	VNCSASL          bool `json:"vnc_sasl" cel:"vnc_sasl"`
	// VNCPassword is whether vnc_password (the default password of VNC
	// consoles that have none) is "set", "not_set" or "empty" (QEMU then
	// refuses every client).
	VNCPassword string `json:"vnc_password" cel:"vnc_password"`

	SpiceListen         string `json:"spice_listen" cel:"spice_listen"` // default "127.0.0.1"
	SpiceAutoUnixSocket bool   `json:"spice_auto_unix_socket" cel:"spice_auto_unix_socket"`
	SpiceTLS            bool   `json:"spice_tls" cel:"spice_tls"`
	SpiceSASL           bool   `json:"spice_sasl" cel:"spice_sasl"`
	SpicePassword       string `json:"spice_password" cel:"spice_password"` // set, not_set, empty
	RDPListen           string `json:"rdp_listen" cel:"rdp_listen"`         // default "127.0.0.1"
	RDPPassword         string `json:"rdp_password" cel:"rdp_password"`     // set, not_set, empty

	// ChardevTLS is chardev_tls (default false): TLS on TCP character
	// devices that do not set their own tls attribute.
	ChardevTLS bool `json:"chardev_tls" cel:"chardev_tls"`
	// ChardevTLSX509Verify defaults to default_tls_x509_verify, else true.
	ChardevTLSX509Verify bool `json:"chardev_tls_x509_verify" cel:"chardev_tls_x509_verify"`
	NBDTLS               bool `json:"nbd_tls" cel:"nbd_tls"`
	MigrateTLSForce      bool `json:"migrate_tls_force" cel:"migrate_tls_force"`

	// SecurityDriver is security_driver as a list: empty when not set
	// (libvirt then uses the first LSM driver available on the host:
	// SELinux, else AppArmor), ["none"] when confinement is disabled.
	SecurityDriver          []string `json:"security_driver" cel:"security_driver"`
	SecurityDefaultConfined bool     `json:"security_default_confined" cel:"security_default_confined"` // default true
	SecurityRequireConfined bool     `json:"security_require_confined" cel:"security_require_confined"` // default false

	// User and Group are the QEMU process owner as written ("" when not
	// set: the build-time default, qemu or libvirt-qemu). UserIsRoot is
	// true for "root", "0" and "+0".
	User       string `json:"user" cel:"user"`
	Group      string `json:"group" cel:"group"`
	UserIsRoot bool   `json:"user_is_root" cel:"user_is_root"`

	DynamicOwnership bool `json:"dynamic_ownership" cel:"dynamic_ownership"` // default true
	RememberOwner    bool `json:"remember_owner" cel:"remember_owner"`       // default true
	// SeccompSandbox is seccomp_sandbox (default 1; 0 disables QEMU's
	// syscall filter).
	SeccompSandbox int64 `json:"seccomp_sandbox" cel:"seccomp_sandbox"`
	// Namespaces is namespaces (default ["mount"]; [] lets QEMU see all
	// of the host's /dev).
	Namespaces []string `json:"namespaces" cel:"namespaces"`
	// CgroupControllers and CgroupDeviceACL default to libvirt's lists.
	CgroupControllers []string `json:"cgroup_controllers" cel:"cgroup_controllers"`
	CgroupDeviceACL   []string `json:"cgroup_device_acl" cel:"cgroup_device_acl"`
	// RelaxedACSCheck allows assigning PCI devices behind a non-ACS switch.
	RelaxedACSCheck bool `json:"relaxed_acs_check" cel:"relaxed_acs_check"`
	// SchedCore is sched_core: "none" (default), "vcpus", "emulator",
	// "full".
	SchedCore     string `json:"sched_core" cel:"sched_core"`
	DumpGuestCore bool   `json:"dump_guest_core" cel:"dump_guest_core"` // default false
	// MaxCore is max_core as written ("unlimited", the default, or a byte
	// count).
	MaxCore          string   `json:"max_core" cel:"max_core"`
	StdioHandler     string   `json:"stdio_handler" cel:"stdio_handler"` // default "logd"
	SwtpmUser        string   `json:"swtpm_user" cel:"swtpm_user"`       // default "tss"
	HugetlbfsMount   []string `json:"hugetlbfs_mount" cel:"hugetlbfs_mount"`
	MemoryBackingDir string   `json:"memory_backing_dir" cel:"memory_backing_dir"` // default /var/lib/libvirt/qemu/ram

	// Raw holds every key the file sets: strings unquoted, numbers in
	// decimal, lists joined with ","; values of keys naming a password or
	// secret are "[redacted]".
	Raw map[string]string `json:"raw" cel:"raw"`
}
