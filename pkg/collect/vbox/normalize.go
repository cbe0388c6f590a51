package vbox

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Key prefixes of vm.raw; keys are XPath relative to <Machine>, except
// the settings-format version of the root element.
const (
	keyVersion     = "/VirtualBox/@version"
	keyRemote      = "Hardware/RemoteDisplay"
	keyVRDEProp    = "Hardware/RemoteDisplay/VRDEProperties/Property[@name='%s']/@value"
	keyShare       = "Hardware/SharedFolders/SharedFolder[%d]"
	keyAdapter     = "Hardware/Network/Adapter[%d]"
	keyGuestProp   = "Hardware/GuestProperties/GuestProperty[@name='%s']/@value"
	keyExtraData   = "ExtraData/ExtraDataItem[@name='%s']/@value"
	symlinksPrefix = "VBoxInternal2/SharedFoldersEnableSymlinksCreate/"
)

// Names of the VRDE properties the collector interprets.
const (
	propAddress = "TCP/Address"
	propPorts   = "TCP/Ports"
	propSecMeth = "Security/Method"
	propVNCPass = "VNCPassword"
)

// NormalizeXML parses one .vbox document and returns its VM document
// with VirtualBox's defaults for absent values applied. Errors are one
// line without the file name.
func NormalizeXML(data []byte) (*audit.VM, error) {
	f, err := decode(data)
	if err != nil {
		return nil, err
	}
	return normalize(f), nil
}

// machineView is a parsed machine with the layout differences resolved
// and the raw keys gathered along the way.
type machineView struct {
	*machine
	hw      *hardware
	version string
	// minor is the settings format's minor version (16 for "1.16-linux"),
	// which decides some defaults; currentFormat when it does not parse.
	minor int
	raw   map[string]string
	extra map[string]string // extra data by name, values as written
}

// currentFormat is the minor version of the newest settings format the
// collector knows (1.20, VirtualBox 7.1).
const currentFormat = 20

// formatMinor parses the settings-format version of the root element
// ("1.19-linux" ⇒ 19). A version that does not parse is taken as the
// current format.
func formatMinor(version string) int {
	v, _, _ := strings.Cut(version, "-")
	major, minor, ok := strings.Cut(v, ".")
	n, err := strconv.Atoi(minor)
	if !ok || major != "1" || err != nil || n < 0 {
		return currentFormat
	}
	return n
}

// normalize builds the VM document of a decoded settings file. Lists and
// maps in the result are non-nil.
func normalize(f *settingsFile) *audit.VM {
	m := &machineView{machine: f.Machine, hw: f.Machine.Hardware, version: f.Version,
		minor: formatMinor(f.Version), raw: map[string]string{}, extra: map[string]string{}}
	if m.hw == nil {
		m.hw = &hardware{}
	}
	for _, e := range m.ExtraData {
		m.extra[e.Name] = e.Value
	}
	vm := &audit.VM{
		Platform:       audit.PlatformVirtualBox,
		Name:           m.Name,
		UUID:           strings.ToLower(strings.Trim(strings.TrimSpace(m.UUID), "{}")),
		Hypervisor:     m.hypervisor(),
		RemoteConsoles: m.consoles(),
		Shares:         m.shares(),
		Clipboard:      m.clipboard(),
		DragAndDrop:    m.dragAndDrop(),
		Passthrough:    m.passthrough(),
		Devices:        m.devices(),
		CharDevices:    m.charDevices(),
		Disks:          m.disks(),
		Interfaces:     m.interfaces(),
		Security:       audit.VMSecurity{Confined: audit.SettingUnknown, Labels: []audit.VMSecurityLabel{}},
		CPU:            m.cpu(),
		Firmware:       m.firmware(),
		Memory:         m.memory(),
		RawArgs:        []string{},
		RawEnvNames:    []string{},
	}
	vm.FileTransfer = m.fileTransfer(vm.Clipboard)
	if d := m.hw.Display; d != nil {
		accel := d.Accelerate3D
		if accel == nil {
			accel = d.Accelerate3DOld
		}
		vm.Accel3D = boolOr(accel, false)
	}
	m.rawKeys()
	vm.Raw = m.raw
	return vm
}

func (m *machineView) hypervisor() audit.VMHypervisor {
	h := audit.VMHypervisor{Type: "virtualbox", Product: "virtualbox", Machine: "PIIX3", Arch: "x86"}
	chipset := m.hw.Chipset
	if p := m.Platform; p != nil {
		if p.Architecture != "" {
			h.Arch = p.Architecture
		}
		if p.Chipset != nil {
			chipset = p.Chipset
		}
	}
	if chipset != nil && chipset.Type != nil && *chipset.Type != "" {
		h.Machine = *chipset.Type
	}
	return h
}

// cpus returns the CPU elements of both layouts, most specific first:
// Platform/x86/CPU and Platform/CPU (1.20+), then Hardware/CPU, each with
// its path relative to Machine.
func (m *machineView) cpus() []pathCPU {
	var out []pathCPU
	if p := m.Platform; p != nil {
		if p.X86CPU != nil {
			out = append(out, pathCPU{"Platform/x86/CPU", p.X86CPU})
		}
		if p.CPU != nil {
			out = append(out, pathCPU{"Platform/CPU", p.CPU})
		}
	}
	if m.hw.CPU != nil {
		out = append(out, pathCPU{"Hardware/CPU", m.hw.CPU})
	}
	return out
}

type pathCPU struct {
	path string
	*cpu
}

// cpu: nested virtualization from the first NestedHWVirt of either
// layout (absent ⇒ disabled); PAE/NX as the "pae" feature when stated.
func (m *machineView) cpu() audit.VMCPU {
	c := audit.VMCPU{Nested: audit.NestedDisabled, FeaturesRequired: []string{}, FeaturesDisabled: []string{}}
	nestedSeen, paeSeen := false, false
	for _, pc := range m.cpus() {
		if e := pc.NestedHWVirt; e != nil && e.Enabled != nil && !nestedSeen {
			if b, ok := parseBool(*e.Enabled); ok {
				nestedSeen = true
				if b {
					c.Nested = audit.NestedEnabled
				}
			}
		}
		if e := pc.PAE; e != nil && e.Enabled != nil && !paeSeen {
			if b, ok := parseBool(*e.Enabled); ok {
				paeSeen = true
				if b {
					c.FeaturesRequired = append(c.FeaturesRequired, "pae")
				} else {
					c.FeaturesDisabled = append(c.FeaturesDisabled, "pae")
				}
			}
		}
	}
	return c
}

// firmware: Hardware/Firmware@type (absent ⇒ BIOS). The Secure Boot state
// of EFI machines lives in the separate NVRAM file, so it is unknown.
func (m *machineView) firmware() audit.VMFirmware {
	typ := "BIOS"
	if f := m.hw.Firmware; f != nil && f.Type != nil && *f.Type != "" {
		typ = *f.Type
	}
	switch strings.ToUpper(typ) {
	case "BIOS", "1": // some development builds wrote the number
		return audit.VMFirmware{Type: "bios", SecureBoot: audit.SettingNo}
	case "EFI", "EFI32", "EFI64", "EFIDUAL", "2":
		return audit.VMFirmware{Type: "efi", SecureBoot: audit.SettingUnknown}
	}
	return audit.VMFirmware{Type: "", SecureBoot: audit.SettingUnknown}
}

func (m *machineView) memory() audit.VMMemory {
	mem := audit.VMMemory{PageSharing: audit.PageSharingDisabled}
	if m.hw.Memory != nil && boolOr(m.hw.Memory.PageFusion, false) {
		mem.PageSharing = audit.PageSharingEnabled
	}
	return mem
}

// vrdeEnabledDefault is RemoteDisplay@enabled when absent: VirtualBox
// reads settings older than format 1.16 (VirtualBox 5.1) with the remote
// display on, newer ones with it off.
func (m *machineView) vrdeEnabledDefault() bool { return m.minor < 16 }

// consoles: the VRDE server when RemoteDisplay@enabled is true (absent:
// see vrdeEnabledDefault). An empty or absent TCP/Address listens on
// every interface ("0.0.0.0"); authType absent ⇒ Null (no
// authentication).
func (m *machineView) consoles() []audit.VMConsole {
	out := []audit.VMConsole{}
	rd := m.hw.RemoteDisplay
	if rd == nil {
		rd = &remoteDisplay{}
	}
	if !boolOr(rd.Enabled, m.vrdeEnabledDefault()) {
		return out
	}
	props := map[string]string{}
	for _, p := range rd.Properties {
		props[p.Name] = p.Value
	}
	addr, ok := props[propAddress]
	if !ok && rd.NetAddress != nil {
		addr = *rd.NetAddress
	}
	addr = strings.TrimSpace(addr)
	if addr == "" {
		addr = "0.0.0.0"
	}
	c := audit.VMConsole{Type: "vrde", Listen: []string{addr}, ListenSource: "vm", Port: 3389,
		Exposure: addressExposure(addr), Password: audit.PasswordNotSet}
	c.Exposed = c.Exposure == audit.ExposureNetwork
	ports, ok := props[propPorts]
	if !ok && rd.Port != nil {
		ports = *rd.Port
	}
	if p := firstPort(ports); p > 0 {
		c.Port = p
	}
	if v, ok := props[propVNCPass]; ok {
		c.Password = audit.PasswordSet
		if v == "" {
			c.Password = audit.PasswordEmpty
		}
	}
	switch authType(rd) {
	case "null":
		c.Auth = "none"
		if c.Password == audit.PasswordSet {
			// The VNC extension pack asks for VNCPassword; the RDP one
			// ignores it. Unless the machine names its VRDE extension
			// pack, which one serves it is a host default.
			c.Auth = audit.SettingUnknown
			if rd.ExtPack != nil && strings.Contains(strings.ToUpper(*rd.ExtPack), "VNC") {
				c.Auth = "password"
			}
		}
	case "external":
		c.Auth = "external"
	case "guest":
		c.Auth = "guest"
	default:
		c.Auth = audit.SettingUnknown
	}
	switch strings.ToLower(strings.TrimSpace(props[propSecMeth])) {
	case "", "negotiate":
		c.TLS = "optional"
	case "tls":
		c.TLS = audit.SettingYes
	case "rdp":
		c.TLS = audit.SettingNo
	default:
		c.TLS = audit.SettingUnknown
	}
	return append(out, c)
}

// authType is RemoteDisplay@authType in lower case, "null" when absent.
func authType(rd *remoteDisplay) string {
	if rd.AuthType == nil || strings.TrimSpace(*rd.AuthType) == "" {
		return "null"
	}
	return strings.ToLower(strings.TrimSpace(*rd.AuthType))
}

// firstPort is the first port of a VRDE port list ("3389", "5000-5050",
// "3390,5000-5010"); 0 when none parses (VRDE then uses 3389).
func firstPort(list string) int64 {
	first, _, _ := strings.Cut(list, ",")
	first, _, _ = strings.Cut(first, "-")
	n, err := strconv.ParseInt(strings.TrimSpace(first), 10, 64)
	if err != nil || n <= 0 || n > 65535 {
		return 0
	}
	return n
}

// addressExposure classifies a listen address: loopback for 127.0.0.0/8,
// ::1 (also IPv4-mapped) and "localhost"; network for everything else.
func addressExposure(addr string) string {
	a := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(addr), "["), "]")
	if strings.EqualFold(a, "localhost") || strings.EqualFold(a, "localhost.") {
		return audit.ExposureLoopback
	}
	if ip, err := netip.ParseAddr(a); err == nil && ip.Unmap().IsLoopback() {
		return audit.ExposureLoopback
	}
	return audit.ExposureNetwork
}

// symlinkRank orders symlink policies from narrowest to widest.
var symlinkRank = []string{"forbidden", "subtree", "relative", "any"}

// shares: every SharedFolder, writable unless writable="false"; the
// symlink policy is the wider of symlinkPolicy (1.20+, absent ⇒
// forbidden) and the extra data item that lets the guest create
// symlinks anywhere (…/SharedFoldersEnableSymlinksCreate/<name>=1).
func (m *machineView) shares() []audit.VMShare {
	out := []audit.VMShare{}
	for i, sf := range m.hw.SharedFolders {
		s := audit.VMShare{Type: "vboxsf", HostPath: sf.HostPath, Target: sf.Name,
			Writable: boolOr(sf.Writable, true), Symlinks: "forbidden"}
		if sf.SymlinkPolicy != nil {
			p := strings.ToLower(strings.TrimSpace(*sf.SymlinkPolicy))
			if !slices.Contains(symlinkRank, p) {
				p = "any" // an unknown policy is not assumed to be safe
			}
			s.Symlinks = p
			m.raw[fmt.Sprintf(keyShare, i)+"/@symlinkPolicy"] = *sf.SymlinkPolicy
		}
		if strings.TrimSpace(m.extra[symlinksPrefix+sf.Name]) == "1" {
			s.Symlinks = "any"
		}
		setPtr(m.raw, fmt.Sprintf(keyShare, i)+"/@writable", sf.Writable)
		m.raw[fmt.Sprintf(keyShare, i)+"/@autoMount"] = strconv.FormatBool(boolOr(sf.AutoMount, false))
		if sf.AutoMountPoint != nil && *sf.AutoMountPoint != "" {
			m.raw[fmt.Sprintf(keyShare, i)+"/@autoMountPoint"] = *sf.AutoMountPoint
		}
		out = append(out, s)
	}
	return out
}

// dataPathModes maps VirtualBox's clipboard and drag-and-drop modes.
var dataPathModes = map[string]string{
	"disabled": audit.DataPathDisabled, "hosttoguest": audit.DataPathHostToGuest,
	"guesttohost": audit.DataPathGuestToHost, "bidirectional": audit.DataPathBidirectional,
}

// dataPath reads a mode attribute: absent ⇒ Disabled, an unrecognized
// value ⇒ unknown.
func dataPath(attr *string, path string) audit.VMDataPath {
	if attr == nil {
		return audit.VMDataPath{Mode: audit.DataPathDisabled, Via: []string{path + " (absent: Disabled)"}}
	}
	mode, ok := dataPathModes[strings.ToLower(strings.TrimSpace(*attr))]
	if !ok {
		mode = audit.DataPathUnknown
	}
	return audit.VMDataPath{Mode: mode, Via: []string{path + "=" + *attr}}
}

func (m *machineView) clipboard() audit.VMDataPath {
	var mode *string
	if m.hw.Clipboard != nil {
		mode = m.hw.Clipboard.Mode
	}
	return dataPath(mode, "Hardware/Clipboard/@mode")
}

func (m *machineView) dragAndDrop() audit.VMDataPath {
	var mode *string
	if m.hw.DragAndDrop != nil {
		mode = m.hw.DragAndDrop.Mode
	}
	return dataPath(mode, "Hardware/DragAndDrop/@mode")
}

// fileTransfer: Clipboard@fileTransfersEnabled='true' lets files ride the
// clipboard, in the clipboard's direction (absent ⇒ false).
func (m *machineView) fileTransfer(clip audit.VMDataPath) audit.VMDataPath {
	const path = "Hardware/Clipboard/@fileTransfersEnabled"
	var attr *string
	if m.hw.Clipboard != nil {
		attr = m.hw.Clipboard.FileTransfers
	}
	if attr == nil {
		return audit.VMDataPath{Mode: audit.DataPathDisabled, Via: []string{path + " (absent: false)"}}
	}
	via := []string{path + "=" + *attr}
	b, ok := parseBool(*attr)
	switch {
	case !ok:
		return audit.VMDataPath{Mode: audit.DataPathUnknown, Via: via}
	case !b:
		return audit.VMDataPath{Mode: audit.DataPathDisabled, Via: via}
	}
	return audit.VMDataPath{Mode: clip.Mode, Via: append(via, clip.Via...)}
}

// usbEnabled is true when the machine has a USB controller.
func (m *machineView) usbEnabled() bool {
	if m.hw.USB != nil && len(m.hw.USB.Controllers) > 0 {
		return true
	}
	u := m.legacyUSB()
	return u != nil && (boolOr(u.Enabled, false) || boolOr(u.EnabledEHCI, false))
}

// legacyUSB is Hardware/USBController, which VirtualBox reads only in
// settings up to format 1.14.
func (m *machineView) legacyUSB() *legacyUSB {
	if m.minor > 14 {
		return nil
	}
	return m.hw.USBController
}

// passthrough: host PCI devices, then the active USB device filters when
// a USB controller exists (a filter hands every matching host device to
// the guest; without a controller it captures nothing).
func (m *machineView) passthrough() []audit.VMPassthrough {
	out := []audit.VMPassthrough{}
	for _, d := range m.hw.HostPCI {
		out = append(out, audit.VMPassthrough{Type: "pci", ID: pciAddress(d.Host)})
	}
	if !m.usbEnabled() {
		return out
	}
	var filters []usbFilter
	if m.hw.USB != nil {
		filters = append(filters, m.hw.USB.Filters...)
	}
	if u := m.legacyUSB(); u != nil {
		filters = append(filters, u.Filters...)
	}
	for _, f := range filters {
		if boolOr(f.Active, false) {
			out = append(out, audit.VMPassthrough{Type: "usb", ID: usbFilterID(f)})
		}
	}
	return out
}

// pciAddress renders THostPciDevice@host (bus<<8 | device<<3 | function)
// as "0000:bb:dd.f"; an unparsable value is kept as written.
func pciAddress(host string) string {
	v, err := strconv.ParseUint(strings.TrimSpace(host), 0, 32)
	if err != nil {
		return host
	}
	return fmt.Sprintf("0000:%02x:%02x.%x", (v>>8)&0xff, (v>>3)&0x1f, v&7)
}

// usbFilterID is the match pattern of a USB device filter:
// "vendor:product" in lower case, "*" for a part the filter leaves open,
// then any other criterion as " name=value". "*:*" matches every device.
func usbFilterID(f usbFilter) string {
	part := func(s string) string {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" {
			return "*"
		}
		return s
	}
	id := part(f.VendorID) + ":" + part(f.ProductID)
	for _, c := range []struct{ name, value string }{{"revision", f.Revision}, {"manufacturer", f.Manufacturer},
		{"product", f.Product}, {"serial", f.SerialNumber}, {"port", f.Port}} {
		if v := strings.TrimSpace(c.value); v != "" && v != "*" {
			id += " " + c.name + "=" + v
		}
	}
	return id
}

// devices lists the emulated devices of interest in a fixed order:
// video, USB controllers, sound, floppy, parallel ports, IOMMU.
func (m *machineView) devices() []audit.VMDevice {
	out := []audit.VMDevice{}
	video := "VBoxVGA" // what VirtualBox reads for an absent controller (the XSD says VBoxSVGA)
	if d := m.hw.Display; d != nil && d.Controller != nil && *d.Controller != "" {
		video = *d.Controller
	}
	out = append(out, audit.VMDevice{Class: "video", Model: video})
	if m.hw.USB != nil {
		for _, c := range m.hw.USB.Controllers {
			out = append(out, audit.VMDevice{Class: "usb_controller", Model: c.Type})
		}
	}
	if u := m.legacyUSB(); u != nil {
		if boolOr(u.Enabled, false) {
			out = append(out, audit.VMDevice{Class: "usb_controller", Model: "OHCI"})
		}
		if boolOr(u.EnabledEHCI, false) {
			out = append(out, audit.VMDevice{Class: "usb_controller", Model: "EHCI"})
		}
	}
	if a := m.audio(); boolOr(a.Enabled, m.minor < 16) {
		model := "AC97"
		if a.Controller != nil && *a.Controller != "" {
			model = *a.Controller
		}
		driver := a.Driver
		if driver == "" {
			driver = "Null"
		}
		out = append(out, audit.VMDevice{Class: "sound", Model: model, Backend: driver})
	}
	for _, sc := range m.storageControllers() {
		if sc.Type == "I82078" {
			out = append(out, audit.VMDevice{Class: "floppy", Model: "I82078"})
		}
	}
	if f := m.legacyFloppy(); f != nil {
		out = append(out, audit.VMDevice{Class: "floppy"})
	}
	for _, p := range m.parallelPorts() {
		if boolOr(p.Enabled, false) {
			out = append(out, audit.VMDevice{Class: "parallel"})
		}
	}
	iommu := m.hw.Iommu
	if m.Platform != nil && m.Platform.Iommu != nil {
		iommu = m.Platform.Iommu
	}
	if iommu != nil && iommu.Type != nil && *iommu.Type != "" && !strings.EqualFold(*iommu.Type, "None") {
		out = append(out, audit.VMDevice{Class: "iommu", Model: *iommu.Type})
	}
	return out
}

// audio is Hardware/AudioAdapter, an empty one when absent. VirtualBox
// reads an absent enabled as true before settings format 1.16 and an
// absent enabledIn/enabledOut as true before 1.17; false after.
func (m *machineView) audio() *audioAdapter {
	if m.hw.AudioAdapter == nil {
		return &audioAdapter{}
	}
	return m.hw.AudioAdapter
}

// legacyFloppy is the Hardware/FloppyDrive of settings before format 1.9
// (VirtualBox 3.1 moved drives under StorageControllers), counted only
// with enabled="true" as VirtualBox does; nil otherwise.
func (m *machineView) legacyFloppy() *drive {
	if f := m.hw.FloppyDrive; f != nil && m.minor < 9 && f.Enabled != nil && boolOr(f.Enabled, false) {
		return f
	}
	return nil
}

func (m *machineView) serialPorts() []serialPort {
	return append(slices.Clone(m.hw.UART), m.hw.LegacyUART...)
}

func (m *machineView) parallelPorts() []parallelPort {
	return append(slices.Clone(m.hw.LPT), m.hw.LegacyLPT...)
}

// charDevices: enabled UART ports by host mode, then enabled LPT ports
// (a host parallel device).
func (m *machineView) charDevices() []audit.VMCharDevice {
	out := []audit.VMCharDevice{}
	for _, p := range m.serialPorts() {
		if boolOr(p.Enabled, false) {
			out = append(out, serialDevice(p))
		}
	}
	for _, p := range m.parallelPorts() {
		if !boolOr(p.Enabled, false) {
			continue
		}
		c := audit.VMCharDevice{Type: "parallel", Backend: "dev", Path: p.Path, Exposure: audit.ExposureLocal}
		if p.Path == "" {
			c.Backend, c.Exposure = "null", audit.ExposureNone
		}
		out = append(out, c)
	}
	return out
}

// serialDevice maps UART/Port@hostMode: TCP ⇒ tcp (server='true' listens
// on path "port" — every interface — or "host:port"; a client connects to
// "host:port"), HostPipe ⇒ pipe, HostDevice ⇒ dev, RawFile ⇒ file,
// Disconnected ⇒ null.
func serialDevice(p serialPort) audit.VMCharDevice {
	c := audit.VMCharDevice{Type: "serial", Path: p.Path}
	server := boolOr(p.Server, false)
	switch strings.ToLower(p.HostMode) {
	case "tcp":
		c.Backend, c.Protocol, c.TLS, c.Path = "tcp", "raw", audit.SettingNo, ""
		host, port := splitHostPort(p.Path)
		c.Address, c.Port = host, port
		if server {
			c.Mode, c.Exposure = "bind", audit.ExposureNetwork
			if host != "" {
				c.Exposure = addressExposure(host)
			}
		} else {
			c.Mode, c.Exposure = "connect", audit.ExposureOutbound
		}
	case "hostpipe":
		c.Backend, c.Mode, c.Exposure = "pipe", "connect", audit.ExposureLocal
		if server {
			c.Mode = "bind"
		}
	case "hostdevice":
		c.Backend, c.Exposure = "dev", audit.ExposureLocal
	case "rawfile":
		c.Backend, c.Exposure = "file", audit.ExposureLocal
	case "disconnected", "":
		c.Backend, c.Exposure, c.Path = "null", audit.ExposureNone, ""
	default:
		c.Backend, c.Exposure = "unknown", audit.ExposureUnknown
	}
	c.Exposed = c.Exposure == audit.ExposureNetwork
	return c
}

// splitHostPort splits a TCP serial path: "2023" is a port alone,
// "host:port" and "[v6]:port" carry an address.
func splitHostPort(path string) (host, port string) {
	path = strings.TrimSpace(path)
	i := strings.LastIndex(path, ":")
	if i < 0 {
		return "", path
	}
	return strings.TrimSuffix(strings.TrimPrefix(path[:i], "["), "]"), path[i+1:]
}

// storageControllers are Machine/StorageControllers, or Hardware's in
// files that keep them there.
func (m *machineView) storageControllers() []storageController {
	if len(m.StorageControllers) > 0 {
		return m.StorageControllers
	}
	return m.hw.StorageControllers
}

// controllerBus maps storage controller types to the guest bus names the
// vm document uses for every platform.
var controllerBus = map[string]string{
	"AHCI": "sata", "PIIX3": "ide", "PIIX4": "ide", "ICH6": "ide", "LsiLogic": "scsi", "BusLogic": "scsi",
	"LsiLogicSas": "sas", "VirtioSCSI": "virtio-scsi", "I82078": "fdc", "USB": "usb", "NVMe": "nvme",
}

// disks: every attached device of every storage controller, then the
// DVDDrive and FloppyDrive elements of settings before format 1.9.
func (m *machineView) disks() []audit.VMDisk {
	out := []audit.VMDisk{}
	media := m.mediaByUUID()
	for _, sc := range m.storageControllers() {
		bus := controllerBus[sc.Type]
		if bus == "" {
			bus = strings.ToLower(sc.Type)
		}
		for _, d := range sc.Devices {
			port, dev := d.Port, d.Device
			if port == "" {
				port = "0"
			}
			if dev == "" {
				dev = "0"
			}
			disk := attachment(d.Type, d.Image, d.HostDrive, boolOr(d.Passthrough, false), media)
			disk.Target, disk.Bus = sc.Name+":"+port+":"+dev, bus
			out = append(out, disk)
		}
	}
	if d := m.hw.DVDDrive; d != nil && m.minor < 9 && (d.Image != nil || d.HostDrive != nil) {
		disk := attachment("DVD", d.Image, d.HostDrive, boolOr(d.Passthrough, false), media)
		disk.Target, disk.Bus = "DVDDrive", "ide"
		out = append(out, disk)
	}
	if d := m.legacyFloppy(); d != nil && (d.Image != nil || d.HostDrive != nil) {
		disk := attachment("Floppy", d.Image, d.HostDrive, false, media)
		disk.Target, disk.Bus = "FloppyDrive", "fdc"
		out = append(out, disk)
	}
	return out
}

// attachment builds one disk. A medium this file does not register (it
// may be in the global VirtualBox.xml) has its UUID as source.
func attachment(typ string, img *uuidAttr, host *hostDrive, passthrough bool, media map[string]medium) audit.VMDisk {
	d := audit.VMDisk{Type: "file"}
	switch strings.ToLower(typ) {
	case "dvd":
		d.Device, d.ReadOnly = "cdrom", true
	case "floppy":
		d.Device = "floppy"
	default:
		d.Device = "disk"
	}
	switch {
	case host != nil:
		d.Type, d.Source, d.HostDevice = "host", host.Src, true
	case img != nil:
		md, ok := media[strings.ToLower(img.UUID)]
		d.Source = img.UUID
		if ok {
			d.Source = md.Location
			switch md.Type {
			case "Readonly":
				d.ReadOnly = true
			case "Shareable":
				d.Shareable = true
			case "Immutable":
				d.Transient = true
			}
		}
	}
	if passthrough {
		d.HostDevice = true
	}
	return d
}

// mediaByUUID indexes the media this file registers, differencing disks
// included (they inherit nothing here but their own location and type).
func (m *machineView) mediaByUUID() map[string]medium {
	out := map[string]medium{}
	if m.MediaRegistry == nil {
		return out
	}
	var add func(list []medium)
	add = func(list []medium) {
		for _, md := range list {
			out[strings.ToLower(md.UUID)] = md
			add(md.Children)
		}
	}
	add(m.MediaRegistry.HardDisks)
	add(m.MediaRegistry.DVDImages)
	add(m.MediaRegistry.FloppyImages)
	return out
}

// interfaces: the enabled network adapters, typed by their attachment
// element (NAT, BridgedInterface, …; "Null" for none); a promiscuous-mode
// policy other than Deny lets the guest see traffic not addressed to it.
func (m *machineView) interfaces() []audit.VMInterface {
	out := []audit.VMInterface{}
	for _, a := range m.hw.Adapters {
		if !boolOr(a.Enabled, false) {
			continue
		}
		i := audit.VMInterface{Model: "Am79C973"}
		if a.Type != nil && *a.Type != "" {
			i.Model = *a.Type
		}
		i.Type, i.Source = attachmentType(a)
		i.TrustGuestRxFilters = promiscuousPolicy(a) != "Deny"
		out = append(out, i)
	}
	return out
}

func attachmentType(a adapter) (typ, source string) {
	switch {
	case a.NAT != nil:
		return "NAT", ""
	case a.NATNetwork != nil:
		return "NATNetwork", a.NATNetwork.Name
	case a.Bridged != nil:
		return "BridgedInterface", a.Bridged.Name
	case a.HostInterface != nil:
		return "HostInterface", a.HostInterface.Name
	case a.Internal != nil:
		return "InternalNetwork", a.Internal.Name
	case a.HostOnly != nil:
		return "HostOnlyInterface", a.HostOnly.Name
	case a.HostOnlyNet != nil:
		return "HostOnlyNetwork", a.HostOnlyNet.Name
	case a.Cloud != nil:
		return "CloudNetwork", a.Cloud.Name
	case a.Generic != nil:
		return "GenericInterface", a.Generic.Driver
	}
	return "Null", ""
}

// promiscuousPolicy is Adapter@promiscuousModePolicy, Deny when absent.
func promiscuousPolicy(a adapter) string {
	if a.Promiscuous == nil || strings.TrimSpace(*a.Promiscuous) == "" {
		return "Deny"
	}
	return strings.TrimSpace(*a.Promiscuous)
}

// rawKeys stores the settings the normalized fields do not carry (the
// shares' keys are written by shares()). Keys are XPath relative to
// Machine; values are as written unless the key says "(effective)" in
// docs/vm-document.md, where the schema default is filled in.
func (m *machineView) rawKeys() {
	r := m.raw
	if m.version != "" {
		r[keyVersion] = m.version
	}
	if m.OSType != "" {
		r["@OSType"] = m.OSType
	}
	if m.ExecutionEngine != "" {
		r["@executionEngine"] = m.ExecutionEngine
	}
	if p := m.hw.Paravirt; p != nil && p.Provider != "" {
		r["Hardware/Paravirt/@provider"] = p.Provider
	}
	for _, pc := range m.cpus() {
		setEnabled(r, pc.path+"/PAE/@enabled", pc.PAE)
		setEnabled(r, pc.path+"/NestedHWVirt/@enabled", pc.NestedHWVirt)
		setEnabled(r, pc.path+"/HardwareVirtEx/@enabled", pc.HardwareVirtEx)
		setEnabled(r, pc.path+"/SpecCtrl/@enabled", pc.SpecCtrl)
		setEnabled(r, pc.path+"/SpecCtrlByHost/@enabled", pc.SpecCtrlByHost)
		for name, on := range map[string]*onAttrs{"IBPBOn": pc.IBPBOn, "L1DFlushOn": pc.L1DFlushOn, "MDSClearOn": pc.MDSClearOn} {
			if on == nil {
				continue
			}
			setPtr(r, pc.path+"/"+name+"/@vmexit", on.VMExit)
			setPtr(r, pc.path+"/"+name+"/@vmentry", on.VMEntry)
			setPtr(r, pc.path+"/"+name+"/@scheduling", on.Scheduling)
		}
	}
	if mem := m.hw.Memory; mem != nil {
		setPtr(r, "Hardware/Memory/@PageFusion", mem.PageFusion)
	}
	rd := m.hw.RemoteDisplay
	if rd == nil && m.vrdeEnabledDefault() {
		rd = &remoteDisplay{}
	}
	if rd != nil {
		r[keyRemote+"/@enabled"] = strconv.FormatBool(boolOr(rd.Enabled, m.vrdeEnabledDefault()))
		r[keyRemote+"/@authType"] = map[string]string{"null": "Null", "external": "External", "guest": "Guest"}[authType(rd)]
		if r[keyRemote+"/@authType"] == "" {
			r[keyRemote+"/@authType"] = *rd.AuthType
		}
		r[keyRemote+"/@allowMultiConnection"] = strconv.FormatBool(boolOr(rd.AllowMultiConnection, false))
		setPtr(r, keyRemote+"/@reuseSingleConnection", rd.ReuseSingleConnection)
		setPtr(r, keyRemote+"/@VRDEExtPack", rd.ExtPack)
		setPtr(r, keyRemote+"/@port", rd.Port)             // deprecated, TCP/Ports before 4.0
		setPtr(r, keyRemote+"/@netAddress", rd.NetAddress) // TCP/Address before 4.0
		for _, p := range rd.Properties {
			r[fmt.Sprintf(keyVRDEProp, p.Name)] = rawValue(p.Name, p.Value)
		}
	}
	m.networkKeys()
	if a := m.audio(); boolOr(a.Enabled, m.minor < 16) {
		r["Hardware/AudioAdapter/@enabledIn"] = strconv.FormatBool(boolOr(a.EnabledIn, m.minor < 17))
		r["Hardware/AudioAdapter/@enabledOut"] = strconv.FormatBool(boolOr(a.EnabledOut, m.minor < 17))
	}
	if e := m.hw.EmulatedUSB; e != nil {
		if e.Webcam != nil {
			r["Hardware/EmulatedUSB/Webcam/@enabled"] = strconv.FormatBool(boolOr(e.Webcam.Enabled, false))
		}
		if e.CardReader != nil {
			r["Hardware/EmulatedUSB/CardReader/@enabled"] = strconv.FormatBool(boolOr(e.CardReader.Enabled, false))
		}
	}
	if t := m.Teleporter; t != nil {
		r["Teleporter/@enabled"] = strconv.FormatBool(boolOr(t.Enabled, false))
		setPtr(r, "Teleporter/@port", t.Port)
		setPtr(r, "Teleporter/@address", t.Address)
		if t.Password != nil {
			r["Teleporter/@password"] = rawValue("password", *t.Password)
		}
	}
	for _, g := range m.hw.GuestProperties {
		r[fmt.Sprintf(keyGuestProp, g.Name)] = rawValue(g.Name, g.Value)
	}
	for _, e := range m.ExtraData {
		r[fmt.Sprintf(keyExtraData, e.Name)] = rawValue(e.Name, e.Value)
	}
}

// networkKeys stores, for each enabled adapter (N is its position among
// the Adapter elements), its promiscuous-mode policy and, when attached
// to NAT, localhost-reachable and the port-forwarding rules, defaults
// applied (localhost-reachable ⇒ true, hostip ⇒ "" = every interface).
func (m *machineView) networkKeys() {
	for n, a := range m.hw.Adapters {
		if !boolOr(a.Enabled, false) {
			continue
		}
		k := fmt.Sprintf(keyAdapter, n)
		m.raw[k+"/@promiscuousModePolicy"] = promiscuousPolicy(a)
		if a.NAT == nil {
			continue
		}
		m.raw[k+"/NAT/@localhost-reachable"] = strconv.FormatBool(boolOr(a.NAT.LocalhostReachable, true))
		for i, f := range a.NAT.Forwarding {
			fk := fmt.Sprintf("%s/NAT/Forwarding[%d]", k, i)
			hostIP := ""
			if f.HostIP != nil {
				hostIP = strings.TrimSpace(*f.HostIP)
			}
			m.raw[fk+"/@name"] = f.Name
			m.raw[fk+"/@proto"] = f.Proto
			m.raw[fk+"/@hostip"] = hostIP
			m.raw[fk+"/@hostport"] = f.HostPort
			m.raw[fk+"/@guestip"] = f.GuestIP
			m.raw[fk+"/@guestport"] = f.GuestPort
		}
	}
}

func setPtr(m map[string]string, key string, v *string) {
	if v != nil {
		m[key] = *v
	}
}

func setEnabled(m map[string]string, key string, e *enabledAttr) {
	if e != nil {
		setPtr(m, key, e.Enabled)
	}
}

// parseBool reads an xsd:boolean the way VirtualBox does: true, yes, on,
// 1 / false, no, off, 0, any case; ok is false for anything else.
func parseBool(s string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on", "1":
		return true, true
	case "false", "no", "off", "0":
		return false, true
	}
	return false, false
}

// boolOr is an optional boolean attribute with its schema default; an
// unparsable value takes the default, as VirtualBox does.
func boolOr(attr *string, def bool) bool {
	if attr == nil {
		return def
	}
	if v, ok := parseBool(*attr); ok {
		return v
	}
	return def
}
