package audit

// VM is the normalized document of one virtual machine, the same whatever
// produced it (libvirt domain XML or RPC, a VMware .vmx, a VirtualBox
// .vbox). Checks read it in CEL as `vm`; field names below are the CEL and
// JSON names. Every field is documented in docs/vm-document.md, with its
// source on each platform.
//
// Settings the platforms share are normalized here with each platform's
// defaults for absent values already applied (vms.md §2); what only one
// platform has is kept in Raw under that platform's own key names.
//
// Secret values never enter the document: passwords are reported only as
// set / not set / unknown, and the values of secret-looking hypervisor
// arguments are replaced by "[redacted]". A fact the source could not show
// is "unknown", never a safe value. List and map fields are empty, never
// nil, once a collector has filled the document.
type VM struct {
	// Platform is the virtualization platform: "libvirt", "vmware" or
	// "virtualbox" (PlatformLibvirt, …).
	Platform string `json:"platform" cel:"platform"`
	Name     string `json:"name" cel:"name"`
	// UUID is the VM's UUID as the platform writes it (lower case).
	UUID string `json:"uuid" cel:"uuid"`
	// State is the run state: running, paused, shutoff, crashed,
	// pmsuspended, shutdown, blocked; "" when the source does not say (an
	// offline definition file).
	State      string       `json:"state" cel:"state"`
	Hypervisor VMHypervisor `json:"hypervisor" cel:"hypervisor"`
	// RemoteConsoles are the remote display servers: VNC, SPICE, RDP,
	// VirtualBox VRDE, VMware's VNC server.
	RemoteConsoles []VMConsole `json:"remote_consoles" cel:"remote_consoles"`
	// Shares are host directories shared into the guest.
	Shares []VMShare `json:"shares" cel:"shares"`
	// Clipboard, DragAndDrop and FileTransfer are the guest↔host data
	// channels of the console agent (SPICE vdagent, VMware Tools,
	// VirtualBox Guest Additions).
	Clipboard    VMDataPath `json:"clipboard" cel:"clipboard"`
	DragAndDrop  VMDataPath `json:"drag_and_drop" cel:"drag_and_drop"`
	FileTransfer VMDataPath `json:"file_transfer" cel:"file_transfer"`
	// Passthrough lists host devices handed to the guest.
	Passthrough []VMPassthrough `json:"passthrough" cel:"passthrough"`
	// Devices lists emulated devices that matter for escape risk: legacy
	// and frequently vulnerable device models, and host↔guest channels.
	// Ordinary disks, NICs and consoles are in their own lists.
	Devices []VMDevice `json:"devices" cel:"devices"`
	// CharDevices are the serial, parallel, console and channel devices
	// with their host-side backends.
	CharDevices []VMCharDevice `json:"char_devices" cel:"char_devices"`
	Disks       []VMDisk       `json:"disks" cel:"disks"`
	Interfaces  []VMInterface  `json:"interfaces" cel:"interfaces"`
	Security    VMSecurity     `json:"security" cel:"security"`
	CPU         VMCPU          `json:"cpu" cel:"cpu"`
	Firmware    VMFirmware     `json:"firmware" cel:"firmware"`
	Memory      VMMemory       `json:"memory" cel:"memory"`
	// Accel3D is true when the guest gets 3D-accelerated graphics (virgl,
	// VMware mks.enable3d, VirtualBox accelerate3D): a recurring escape
	// surface.
	Accel3D bool `json:"accel_3d" cel:"accel_3d"`
	// HostInfoExposed is true when the guest can read host identity data
	// (libvirt <smbios mode='host'/>, VMware tools.guestlib.enableHostInfo).
	HostInfoExposed bool `json:"host_info_exposed" cel:"host_info_exposed"`
	// LaunchSecurity is the confidential-computing technology protecting
	// guest memory from the host: "sev", "sev-snp", "tdx", "s390-pv", or
	// "" for none.
	LaunchSecurity string `json:"launch_security" cel:"launch_security"`
	// RawArgs are arguments passed to the hypervisor process outside the
	// platform's policy (libvirt <qemu:commandline><qemu:arg>), in order,
	// with secret-looking values replaced by "[redacted]".
	RawArgs []string `json:"raw_args" cel:"raw_args"`
	// RawEnvNames are the names (never the values) of environment
	// variables set on the hypervisor process (<qemu:env>), sorted.
	RawEnvNames []string `json:"raw_env_names" cel:"raw_env_names"`
	// Raw holds platform-specific settings under the platform's own key
	// names, for platform checks: lower-case .vmx keys for VMware, XPath
	// relative to Machine for VirtualBox, and paths relative to <domain>
	// for libvirt (docs/vm-document.md lists the libvirt keys). Secret
	// values are never stored.
	Raw map[string]string `json:"raw" cel:"raw"`
}

// The VM platforms.
const (
	PlatformLibvirt    = "libvirt"
	PlatformVMware     = "vmware"
	PlatformVirtualBox = "virtualbox"
)

// PlatformLinux is the platform of a host asset describing the machine
// itself (kernel, CPU, daemon configuration); a libvirt host asset (the
// QEMU driver's qemu.conf) has PlatformLibvirt.
const PlatformLinux = "linux"

// Values shared by several fields of the VM document.
const (
	// SettingYes, SettingNo and SettingUnknown are the values of
	// tri-state fields.
	SettingYes     = "yes"
	SettingNo      = "no"
	SettingUnknown = "unknown"

	// Password states of a remote console. PasswordEmpty is a password
	// attribute present but empty: libvirt documents that QEMU then
	// refuses every client.
	PasswordSet     = "set"
	PasswordNotSet  = "not_set"
	PasswordEmpty   = "empty"
	PasswordUnknown = "unknown"

	// Exposures of a listener (remote console or character device).
	// Network: reachable beyond the host (any non-loopback address,
	// including 0.0.0.0, ::, a routable IP, a host name or a libvirt
	// network). Loopback: 127.0.0.0/8, ::1 or localhost. Local: only
	// through a host object (a UNIX socket, pty, file, pipe or device
	// node). Outbound: the hypervisor connects out and listens nowhere.
	// None: no listener. Unknown: the address comes from a host default
	// the source does not show.
	ExposureNetwork  = "network"
	ExposureLoopback = "loopback"
	ExposureLocal    = "local"
	ExposureOutbound = "outbound"
	ExposureNone     = "none"
	ExposureUnknown  = "unknown"

	// Directions of a guest↔host data path.
	DataPathDisabled      = "disabled"
	DataPathHostToGuest   = "host_to_guest"
	DataPathGuestToHost   = "guest_to_host"
	DataPathBidirectional = "bidirectional"
	DataPathUnknown       = "unknown"

	// Nested-virtualization states. NestedHostDefault: the guest CPU
	// follows the host (host-passthrough, host-model) and gets VMX/SVM
	// whenever the host's KVM module has nesting on.
	NestedEnabled     = "enabled"
	NestedDisabled    = "disabled"
	NestedHostDefault = "host_default"

	// Page-sharing states of guest memory (VMMemory.PageSharing).
	PageSharingEnabled     = "enabled"
	PageSharingDisabled    = "disabled"
	PageSharingHostDefault = "host_default"

	// Redacted replaces a secret value wherever the document would
	// otherwise hold it.
	Redacted = "[redacted]"
)

// VMHypervisor names the hypervisor that runs the VM.
type VMHypervisor struct {
	// Type is the hypervisor or accelerator: libvirt's domain type ("kvm",
	// "qemu" for TCG emulation, "xen", "lxc", …), "vmware" or
	// "virtualbox".
	Type string `json:"type" cel:"type"`
	// Emulator is the path of the device-model binary on the host
	// (libvirt <emulator>), "" when not given.
	Emulator string `json:"emulator" cel:"emulator"`
	// Machine is the machine type ("pc-q35-8.2", "pc-i440fx-7.2", …).
	Machine string `json:"machine" cel:"machine"`
	// Arch is the guest architecture ("x86_64", "aarch64", …).
	Arch string `json:"arch" cel:"arch"`
	// HardwareVersion is the platform's virtual hardware version (VMware
	// virtualHW.version), "" when the platform has none.
	HardwareVersion string `json:"hardware_version" cel:"hardware_version"`
	// Product is the hypervisor product that runs the VM, as the advisory
	// tables key it: "qemu", "vmware-workstation", "vmware-fusion",
	// "vmware-esxi", "virtualbox"; "" when the source does not say (a
	// .vmx without its vmware.log).
	Product string `json:"product" cel:"product"`
	// Version is the product's upstream version ("7.2.0", "17.5.0",
	// "7.0.14"); for ESXi "<major>.<minor>.<build>" ("8.0.24585383"),
	// since ESXi patches are told apart by build. "" when unknown.
	Version string `json:"version" cel:"version"`
	// Package is the distribution package the product came from, as
	// "<release>:<package version>" ("debian-12:1:7.2+dfsg-7+deb12u18"),
	// "" when unknown: distributions backport fixes without changing the
	// upstream version.
	Package string `json:"package" cel:"package"`
	// VersionSource says where Version was read: "libvirt" (the daemon's
	// connectGetVersion), "vmware.log", "VBox.log", "flag"
	// (--hypervisor-version); "" when unknown.
	VersionSource string `json:"version_source" cel:"version_source"`
}

// VMConsole is one remote display server of the VM.
type VMConsole struct {
	// Type is "vnc", "spice", "rdp", "vrde" (VirtualBox) or "vmrc".
	Type string `json:"type" cel:"type"`
	// Listen are the addresses it listens on (IP literals, host names,
	// or "network:<name>" for a libvirt network not yet resolved),
	// deduplicated, in document order, followed by the host default
	// address when ListenSource is "host_config"; empty for a socket-only
	// console or an unread host default.
	Listen []string `json:"listen" cel:"listen"`
	// ListenSource says where the effective address came from: "vm" (the
	// VM definition), "host_config" (a host default read from the host's
	// configuration, e.g. qemu.conf vnc_listen) or "host_default" (a host
	// default that was not read: Exposure is then unknown).
	ListenSource string `json:"listen_source" cel:"listen_source"`
	// Socket is the UNIX socket path it serves, "" for none.
	Socket string `json:"socket" cel:"socket"`
	// Port is the configured TCP port, 0 when automatic or none.
	Port int64 `json:"port" cel:"port"`
	// AutoPort is true when the port is picked at start.
	AutoPort bool `json:"autoport" cel:"autoport"`
	// TLSPort is the separate TLS port (SPICE tlsPort), 0 for none.
	TLSPort int64 `json:"tls_port" cel:"tls_port"`
	// Exposure is the widest reach among its listeners (Exposure*
	// constants); Exposed is Exposure == "network".
	Exposure string `json:"exposure" cel:"exposure"`
	Exposed  bool   `json:"exposed" cel:"exposed"`
	// Password is set, not_set, empty or unknown (Password* constants):
	// what the VM definition says. A libvirt dump without secrets (a
	// read-only connection, virsh dumpxml without --security-info) hides
	// passwords: unknown, never not_set.
	Password string `json:"password" cel:"password"`
	// Auth is the effective authentication after host defaults:
	// "password", "sasl", "external" / "guest" (VirtualBox VRDE auth
	// libraries), "refused" (an empty password: no client gets in),
	// "none", or "unknown".
	Auth string `json:"auth" cel:"auth"`
	// TLS is "yes" (encrypted only), "optional" (TLS offered, plaintext
	// accepted), "no", or "unknown" when it depends on host settings that
	// were not read.
	TLS string `json:"tls" cel:"tls"`
}

// VMShare is one host directory shared into the guest.
type VMShare struct {
	// Type is "9p", "virtiofs", "hgfs" (VMware shared folders), "vboxsf"
	// (VirtualBox shared folders), or the libvirt filesystem type for
	// other host sources ("block", "file", "bind", "volume", …).
	Type string `json:"type" cel:"type"`
	// HostPath is the shared host path ("" when not on the host, e.g. an
	// external virtiofsd socket).
	HostPath string `json:"host_path" cel:"host_path"`
	// Target is the guest-side tag, mount point or share name.
	Target string `json:"target" cel:"target"`
	// Writable is true unless the share is read-only; each platform's
	// default applies (libvirt: read-write without <readonly/>;
	// VirtualBox: writable="true" when absent).
	Writable bool `json:"writable" cel:"writable"`
	// AccessMode is how guest file ownership maps to the host: 9p/libvirt
	// "passthrough" (the default when absent; QEMU security_model),
	// "mapped" or "squash"; "" where the platform has no such setting.
	AccessMode string `json:"access_mode" cel:"access_mode"`
	// Driver is the platform's share driver ("path", "handle", "virtiofs",
	// "loop", …), "" when not set.
	Driver string `json:"driver" cel:"driver"`
	// Sandbox is the virtiofsd sandbox mode ("namespace", "chroot"),
	// "external" when the daemon is started outside the platform (its
	// options are not visible), "" otherwise.
	Sandbox string `json:"sandbox" cel:"sandbox"`
	// Symlinks is the symlink policy of the share (VirtualBox
	// symlinkPolicy or SharedFoldersEnableSymlinksCreate: "forbidden",
	// "subtree", "relative", "any"), "" where the platform has none.
	Symlinks string `json:"symlinks" cel:"symlinks"`
}

// VMDataPath is one guest↔host data channel (clipboard, drag-and-drop,
// file transfer).
type VMDataPath struct {
	// Mode is disabled, host_to_guest, guest_to_host, bidirectional or
	// unknown (DataPath* constants), with platform defaults applied.
	Mode string `json:"mode" cel:"mode"`
	// Via names the settings that decided Mode, in the platform's terms
	// (e.g. "devices/graphics[0]/clipboard/@copypaste (absent: yes)").
	Via []string `json:"via" cel:"via"`
}

// VMPassthrough is one host device given to the guest.
type VMPassthrough struct {
	// Type is "pci", "usb", "scsi", "scsi_host", "mdev", "storage",
	// "misc" and "net" (libvirt capabilities mode), "tpm" or "input".
	Type string `json:"type" cel:"type"`
	// ID identifies the host device: PCI "0000:03:00.0", USB
	// "vendor:product" ("046d:c52b") or "bus.device", SCSI
	// "adapter:bus:target:unit", an mdev UUID, or a host path.
	ID string `json:"id" cel:"id"`
	// Managed is true when the platform detaches the device from its host
	// driver itself (libvirt managed='yes').
	Managed bool `json:"managed" cel:"managed"`
	// ROMFile is a custom option ROM loaded into the device ("" none).
	ROMFile string `json:"rom_file" cel:"rom_file"`
	// RawIO and SGIO are the SCSI passthrough settings: rawio='yes' gives
	// the whole hypervisor process CAP_SYS_RAWIO; sgio "unfiltered" passes
	// every SG_IO command.
	RawIO bool   `json:"rawio" cel:"rawio"`
	SGIO  string `json:"sgio" cel:"sgio"`
}

// VMDevice is one emulated device of interest.
type VMDevice struct {
	// Class is one of: "floppy", "fdc", "usb_controller", "sound",
	// "parallel", "shmem", "usb_redirect", "smartcard", "video", "tpm",
	// "vsock", "memballoon", "watchdog", "iommu".
	Class string `json:"class" cel:"class"`
	// Model is the device model ("qemu-xhci", "piix3-uhci", "ich9",
	// "ivshmem-plain", "virtio", …), "" when the platform default applies.
	Model string `json:"model" cel:"model"`
	// Backend is the host side where one exists (usb_redirect "spicevmc" /
	// "tcp", smartcard "host" / "host-certificates" / "passthrough", tpm
	// "emulator" / "external"), "" otherwise.
	Backend string `json:"backend" cel:"backend"`
}

// VMCharDevice is one serial, parallel, console or channel device.
type VMCharDevice struct {
	// Type is "serial", "parallel", "console" or "channel"; also
	// "redirdev" (USB redirection) and "smartcard" (passthrough mode),
	// which have character-device backends too.
	Type string `json:"type" cel:"type"`
	// Backend is the host side: "pty", "tcp", "udp", "unix", "file",
	// "pipe", "dev", "null", "vc", "stdio", "spicevmc", "spiceport",
	// "qemu-vdagent", "dbus", "nmdm", or "unknown" for a type the
	// collector does not know (its Exposure is then unknown).
	Backend string `json:"backend" cel:"backend"`
	// Mode is "bind" (the hypervisor listens) or "connect" for tcp and
	// udp backends (tcp without a mode connects); for unix backends as
	// written ("" when absent); "" otherwise.
	Mode string `json:"mode" cel:"mode"`
	// Address and Port are the network endpoint (the bind side for UDP
	// when one is given); "" for other backends.
	Address string `json:"address" cel:"address"`
	Port    string `json:"port" cel:"port"`
	// Path is the host path of file, pipe, dev, pty and unix backends.
	Path string `json:"path" cel:"path"`
	// Protocol is the wire protocol of tcp backends: "raw", "telnet",
	// "telnets", "tls".
	Protocol string `json:"protocol" cel:"protocol"`
	// TLS is "yes"/"no" for tcp backends (the device's tls attribute, else
	// the host default chardev_tls), "unknown" when that default was not
	// read, "" for other backends.
	TLS string `json:"tls" cel:"tls"`
	// Target is the guest side: the channel name
	// ("org.qemu.guest_agent.0"), a guestfwd "address:port", or the
	// serial/console target type ("isa-serial", "virtio", …).
	Target string `json:"target" cel:"target"`
	// Exposure (Exposure* constants) and Exposed (Exposure == "network")
	// say who can reach the host side.
	Exposure string `json:"exposure" cel:"exposure"`
	Exposed  bool   `json:"exposed" cel:"exposed"`
}

// VMDisk is one disk, CD-ROM, floppy or LUN.
type VMDisk struct {
	// Device is "disk", "cdrom", "floppy" or "lun".
	Device string `json:"device" cel:"device"`
	// Type is the source type: "file", "block", "network", "dir",
	// "volume", "nvme", "vhostuser", …
	Type string `json:"type" cel:"type"`
	// Source is the host path or device, "protocol://host/name" for
	// network disks, "pool/volume" for volumes; "" when empty (an ejected
	// CD-ROM).
	Source string `json:"source" cel:"source"`
	// Target and Bus are the guest device name and bus ("vda", "virtio").
	Target string `json:"target" cel:"target"`
	Bus    string `json:"bus" cel:"bus"`
	// HostDevice is true when the source is a host block device node
	// (libvirt type='block', a path under /dev/, a host CD drive).
	HostDevice bool `json:"host_device" cel:"host_device"`
	ReadOnly   bool `json:"readonly" cel:"readonly"`
	// Shareable is true when the disk may be attached to several VMs.
	Shareable bool `json:"shareable" cel:"shareable"`
	// Transient is true when writes are discarded at power-off (libvirt
	// <transient/>, VMware independent-nonpersistent).
	Transient bool `json:"transient" cel:"transient"`
	// RawIO and SGIO: see VMPassthrough (libvirt device='lun').
	RawIO bool   `json:"rawio" cel:"rawio"`
	SGIO  string `json:"sgio" cel:"sgio"`
	// TLS is "yes"/"no" for network disks that state it, "" otherwise.
	TLS string `json:"tls" cel:"tls"`
}

// VMInterface is one network interface and its host-side backend.
type VMInterface struct {
	// Type is the backend type as the platform names it (libvirt
	// "network", "bridge", "direct", "user", "ethernet", "hostdev",
	// "vhostuser", …; VirtualBox "NAT", "Bridged", …; VMware
	// "bridged", "nat", "hostonly").
	Type string `json:"type" cel:"type"`
	// Source is the host-side network, bridge or device name.
	Source string `json:"source" cel:"source"`
	// Mode is the backend mode where one exists (macvtap "vepa",
	// "bridge", "private", "passthrough").
	Mode string `json:"mode" cel:"mode"`
	// Model is the emulated NIC model ("virtio", "e1000", "vmxnet3", …).
	Model string `json:"model" cel:"model"`
	// TrustGuestRxFilters is true when the guest may change the host-side
	// MAC and multicast filters.
	TrustGuestRxFilters bool `json:"trust_guest_rx_filters" cel:"trust_guest_rx_filters"`
	// Script is a host script run to set the interface up ("" none).
	Script string `json:"script" cel:"script"`
}

// VMSecurity is the mandatory access control confining the hypervisor
// process (libvirt sVirt).
type VMSecurity struct {
	// Driver is the security driver confining the VM: "selinux",
	// "apparmor", "none" (confinement disabled), or "" when not known.
	Driver string `json:"driver" cel:"driver"`
	// Confined is "yes", "no" or "unknown": whether the hypervisor
	// process runs under a MAC label of its own.
	Confined string `json:"confined" cel:"confined"`
	// Labels are the VM's security labels, in document order.
	Labels []VMSecurityLabel `json:"labels" cel:"labels"`
}

// VMSecurityLabel is one libvirt <seclabel> of the VM.
type VMSecurityLabel struct {
	// Model is the driver: "selinux", "apparmor", "dac", or "" for the
	// primary driver.
	Model string `json:"model" cel:"model"`
	// Type is "dynamic", "static" or "none" (the libvirt default when
	// absent is "dynamic").
	Type string `json:"type" cel:"type"`
	// Relabel is false when libvirt leaves the resources' labels alone.
	Relabel bool `json:"relabel" cel:"relabel"`
	// Label is the process label ("system_u:system_r:svirt_t:s0:c1,c2",
	// "libvirt-<uuid>", "+107:+107"), "" when not yet generated.
	Label string `json:"label" cel:"label"`
}

// VMCPU is the virtual CPU model.
type VMCPU struct {
	// Mode is "host-passthrough", "host-model", "maximum", "custom" (a
	// named model), or "" when the platform default applies.
	Mode string `json:"mode" cel:"mode"`
	// Model is the named CPU model ("Skylake-Server", …), "" for none.
	Model string `json:"model" cel:"model"`
	// Nested is enabled, disabled or host_default (Nested* constants).
	Nested string `json:"nested" cel:"nested"`
	// FeaturesRequired and FeaturesDisabled are CPU feature names forced
	// on (require/force) and off (disable/forbid), sorted.
	FeaturesRequired []string `json:"features_required" cel:"features_required"`
	FeaturesDisabled []string `json:"features_disabled" cel:"features_disabled"`
}

// VMFirmware is the boot firmware.
type VMFirmware struct {
	// Type is "bios", "efi", or "" when the platform default applies.
	Type string `json:"type" cel:"type"`
	// SecureBoot is "yes", "no" or "unknown" (EFI picked automatically
	// without stating the secure-boot feature).
	SecureBoot string `json:"secure_boot" cel:"secure_boot"`
}

// VMMemory is how guest memory is shared.
type VMMemory struct {
	// Shared is true when guest RAM is mapped shared, so other host
	// processes (virtiofsd, vhost-user back ends) can map it.
	Shared bool `json:"shared" cel:"shared"`
	// PageSharing is "enabled", "disabled", or "host_default" (libvirt
	// without <nosharepages/>: KSM merges pages when the host runs it).
	PageSharing string `json:"page_sharing" cel:"page_sharing"`
}
