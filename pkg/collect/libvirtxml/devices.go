package libvirtxml

import (
	"fmt"
	"strings"

	lvxml "libvirt.org/go/libvirtxml"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// shares lists <filesystem> devices with a host source. type='mount' is 9p
// (or virtiofs with <driver type='virtiofs'/>) on QEMU and a bind mount on
// LXC; accessmode absent means passthrough (vms.md §2).
func (d *domain) shares() []audit.VMShare {
	out := []audit.VMShare{}
	for _, fs := range d.Devices.Filesystems {
		s := audit.VMShare{Writable: fs.ReadOnly == nil}
		if fs.Driver != nil {
			s.Driver = fs.Driver.Type
		}
		if fs.Target != nil {
			s.Target = fs.Target.Dir
		}
		src := fs.Source
		if src == nil {
			src = &lvxml.DomainFilesystemSource{Mount: &lvxml.DomainFilesystemSourceMount{}}
		}
		switch {
		case src.Mount != nil:
			s.Type, s.HostPath = "9p", src.Mount.Dir
			if s.Driver == "virtiofs" {
				s.Type = "virtiofs"
			} else if d.Type == "lxc" {
				s.Type = "mount"
			}
			s.AccessMode = fs.AccessMode
			if s.AccessMode == "" && s.Type != "mount" {
				s.AccessMode = "passthrough"
			}
			if src.Mount.Socket != "" {
				s.Sandbox = "external"
			} else if fs.Binary != nil && fs.Binary.Sandbox != nil {
				s.Sandbox = fs.Binary.Sandbox.Mode
			}
		case src.Bind != nil:
			s.Type, s.HostPath = "bind", src.Bind.Dir
		case src.Block != nil:
			s.Type, s.HostPath = "block", src.Block.Dev
		case src.File != nil:
			s.Type, s.HostPath = "file", src.File.File
		case src.Volume != nil:
			s.Type, s.HostPath = "volume", src.Volume.Pool+"/"+src.Volume.Volume
		case src.Template != nil:
			s.Type, s.HostPath = "template", src.Template.Name
		default: // ram: guest memory, nothing of the host's
			continue
		}
		out = append(out, s)
	}
	return out
}

// passthrough lists <hostdev> devices, <interface type='hostdev'> (an
// SR-IOV function), TPM passthrough and host input devices.
func (d *domain) passthrough() []audit.VMPassthrough {
	out := []audit.VMPassthrough{}
	for _, h := range d.Devices.Hostdevs {
		p := hostdev(h)
		if p.Type == "" {
			continue
		}
		p.Managed = h.Managed == "yes"
		if h.ROM != nil && h.ROM.File != nil {
			p.ROMFile = *h.ROM.File
		}
		out = append(out, p)
	}
	for _, iface := range d.Devices.Interfaces {
		if iface.Source == nil || iface.Source.Hostdev == nil {
			continue
		}
		p := audit.VMPassthrough{Type: "pci", Managed: iface.Managed == "yes"}
		if src := iface.Source.Hostdev; src.PCI != nil {
			p.ID = pciAddress(src.PCI.Address)
		} else if src.USB != nil {
			p.Type, p.ID = "usb", usbID(src.USB)
		}
		if iface.ROM != nil && iface.ROM.File != nil {
			p.ROMFile = *iface.ROM.File
		}
		out = append(out, p)
	}
	for _, t := range d.Devices.TPMs {
		if t.Backend != nil && t.Backend.Passthrough != nil {
			p := audit.VMPassthrough{Type: "tpm", ID: "/dev/tpm0"}
			if dev := t.Backend.Passthrough.Device; dev != nil && dev.Path != "" {
				p.ID = dev.Path
			}
			out = append(out, p)
		}
	}
	for _, in := range d.Devices.Inputs {
		if src := in.Source; src != nil && src.Passthrough != nil {
			out = append(out, audit.VMPassthrough{Type: "input", ID: src.Passthrough.EVDev})
		} else if src != nil && src.EVDev != nil {
			out = append(out, audit.VMPassthrough{Type: "input", ID: src.EVDev.Dev})
		}
	}
	return out
}

// hostdev identifies one <hostdev>; Type is "" for a kind it does not know.
func hostdev(h lvxml.DomainHostdev) audit.VMPassthrough {
	switch {
	case h.SubsysPCI != nil:
		p := audit.VMPassthrough{Type: "pci"}
		if h.SubsysPCI.Source != nil {
			p.ID = pciAddress(h.SubsysPCI.Source.Address)
		}
		return p
	case h.SubsysUSB != nil:
		return audit.VMPassthrough{Type: "usb", ID: usbID(h.SubsysUSB.Source)}
	case h.SubsysSCSI != nil:
		s := h.SubsysSCSI
		p := audit.VMPassthrough{Type: "scsi", RawIO: s.RawIO == "yes", SGIO: s.SGIO}
		if src := s.Source; src != nil && src.Host != nil {
			p.ID = scsiAddress(src.Host)
		} else if src != nil && src.ISCSI != nil {
			p.ID = "iscsi:" + src.ISCSI.Name
		}
		return p
	case h.SubsysSCSIHost != nil:
		p := audit.VMPassthrough{Type: "scsi_host"}
		if src := h.SubsysSCSIHost.Source; src != nil {
			p.ID = src.Protocol + ":" + src.WWPN
		}
		return p
	case h.SubsysMDev != nil:
		p := audit.VMPassthrough{Type: "mdev"}
		if src := h.SubsysMDev.Source; src != nil && src.Address != nil {
			p.ID = src.Address.UUID
		}
		return p
	case h.CapsStorage != nil:
		p := audit.VMPassthrough{Type: "storage"}
		if h.CapsStorage.Source != nil {
			p.ID = h.CapsStorage.Source.Block
		}
		return p
	case h.CapsMisc != nil:
		p := audit.VMPassthrough{Type: "misc"}
		if h.CapsMisc.Source != nil {
			p.ID = h.CapsMisc.Source.Char
		}
		return p
	case h.CapsNet != nil:
		p := audit.VMPassthrough{Type: "net"}
		if h.CapsNet.Source != nil {
			p.ID = h.CapsNet.Source.Interface
		}
		return p
	}
	return audit.VMPassthrough{}
}

// pciAddress renders "dddd:bb:ss.f"; missing parts are 0.
func pciAddress(a *lvxml.DomainAddressPCI) string {
	if a == nil {
		return ""
	}
	return fmt.Sprintf("%04x:%02x:%02x.%x", uintOr0(a.Domain), uintOr0(a.Bus), uintOr0(a.Slot), uintOr0(a.Function))
}

// usbID is "vendor:product" in lower-case hex without 0x, else the host
// address "bus.device".
func usbID(src *lvxml.DomainHostdevSubsysUSBSource) string {
	if src == nil {
		return ""
	}
	hex := func(id *lvxml.DomainHostDevProductVendorID) string {
		if id == nil {
			return ""
		}
		return strings.TrimPrefix(strings.ToLower(id.ID), "0x")
	}
	if v, p := hex(src.Vendor), hex(src.Product); v != "" || p != "" {
		return v + ":" + p
	}
	if a := src.Address; a != nil {
		return fmt.Sprintf("%d.%d", uintOr0(a.Bus), uintOr0(a.Device))
	}
	return ""
}

// scsiAddress is "adapter:bus:target:unit".
func scsiAddress(h *lvxml.DomainHostdevSubsysSCSISourceHost) string {
	adapter := ""
	if h.Adapter != nil {
		adapter = h.Adapter.Name
	}
	if a := h.Address; a != nil {
		return fmt.Sprintf("%s:%d:%d:%d", adapter, uintOr0(a.Bus), uintOr0(a.Target), uintOr0(a.Unit))
	}
	return adapter
}

func uintOr0(v *uint) uint {
	if v == nil {
		return 0
	}
	return *v
}

// devices lists the emulated devices of interest, in a fixed class order.
func (d *domain) devices() []audit.VMDevice {
	out := []audit.VMDevice{}
	add := func(class, model, backend string) {
		out = append(out, audit.VMDevice{Class: class, Model: model, Backend: backend})
	}
	for _, disk := range d.Devices.Disks {
		if disk.Device == "floppy" || (disk.Target != nil && disk.Target.Bus == "fdc") {
			add("floppy", "", "")
		}
	}
	for _, c := range d.Devices.Controllers {
		switch {
		case c.Type == "fdc":
			add("fdc", c.Model, "")
		case c.Type == "usb" && c.Model != "none":
			add("usb_controller", c.Model, "")
		}
	}
	for _, s := range d.Devices.Sounds {
		add("sound", s.Model, "")
	}
	for range d.Devices.Parallels {
		add("parallel", "", "")
	}
	for _, s := range d.Devices.Shmems {
		model := "ivshmem"
		if s.Model != nil && s.Model.Type != "" {
			model = s.Model.Type
		}
		add("shmem", model, "")
	}
	for _, r := range d.Devices.RedirDevs {
		add("usb_redirect", r.Bus, chardevBackend(r.Source))
	}
	for _, s := range d.Devices.Smartcards {
		add("smartcard", "", smartcardMode(s))
	}
	for _, v := range d.Devices.Videos {
		backend := "" // QEMU's built-in device model
		if v.Driver != nil && v.Driver.Name == "vhostuser" {
			backend = "vhostuser" // rendered by an external vhost-user-gpu process
		}
		add("video", v.Model.Type, backend)
	}
	for _, t := range d.Devices.TPMs {
		add("tpm", t.Model, tpmBackend(t.Backend))
	}
	if v := d.Devices.VSock; v != nil {
		add("vsock", v.Model, "")
	}
	if m := d.Devices.MemBalloon; m != nil && m.Model != "none" {
		add("memballoon", m.Model, "")
	}
	for _, w := range d.Devices.Watchdogs {
		add("watchdog", w.Model, "")
	}
	for _, m := range d.Devices.IOMMUs {
		add("iommu", m.Model, "")
	}
	return out
}

func smartcardMode(s lvxml.DomainSmartcard) string {
	switch {
	case s.Host != nil:
		return "host"
	case len(s.HostCerts) > 0:
		return "host-certificates"
	case s.Passthrough != nil:
		return "passthrough"
	}
	return ""
}

func tpmBackend(b *lvxml.DomainTPMBackend) string {
	switch {
	case b == nil:
		return ""
	case b.Passthrough != nil:
		return "passthrough"
	case b.Emulator != nil:
		return "emulator"
	case b.External != nil:
		return "external"
	}
	return ""
}

// disks lists <disk> devices with their host sources.
func (d *domain) disks() []audit.VMDisk {
	out := []audit.VMDisk{}
	for _, disk := range d.Devices.Disks {
		v := audit.VMDisk{Device: disk.Device, ReadOnly: disk.ReadOnly != nil, Shareable: disk.Shareable != nil,
			Transient: disk.Transient != nil, RawIO: disk.RawIO == "yes", SGIO: disk.SGIO}
		if v.Device == "" {
			v.Device = "disk"
		}
		if disk.Target != nil {
			v.Target, v.Bus = disk.Target.Dev, disk.Target.Bus
		}
		diskSource(&v, disk.Source)
		out = append(out, v)
	}
	return out
}

// diskSource fills Type, Source, HostDevice and TLS.
func diskSource(v *audit.VMDisk, src *lvxml.DomainDiskSource) {
	v.Type = "file"
	switch {
	case src == nil:
	case src.File != nil:
		v.Source = src.File.File
		v.HostDevice = strings.HasPrefix(v.Source, "/dev/")
	case src.Block != nil:
		v.Type, v.Source, v.HostDevice = "block", src.Block.Dev, true
	case src.Dir != nil:
		v.Type, v.Source = "dir", src.Dir.Dir
	case src.Network != nil:
		n := src.Network
		v.Type, v.Source, v.TLS = "network", networkSource(n), n.TLS
	case src.Volume != nil:
		v.Type, v.Source = "volume", src.Volume.Pool+"/"+src.Volume.Volume
	case src.NVME != nil:
		v.Type, v.HostDevice = "nvme", true
		if src.NVME.PCI != nil {
			v.Source = pciAddress(src.NVME.PCI.Address)
		}
	case src.VHostUser != nil:
		v.Type = "vhostuser"
		if u := src.VHostUser.UNIX; u != nil {
			v.Source = u.Path
		}
	case src.VHostVDPA != nil:
		v.Type, v.Source, v.HostDevice = "vhostvdpa", src.VHostVDPA.Dev, true
	}
}

// networkSource renders "protocol://host[:port]/name" from the first host;
// credentials are never part of it (libvirt keeps them in <auth>).
func networkSource(n *lvxml.DomainDiskSourceNetwork) string {
	host := ""
	if len(n.Hosts) > 0 {
		h := n.Hosts[0]
		host = h.Name
		if h.Port != "" {
			host += ":" + h.Port
		}
		if h.Socket != "" {
			host = h.Socket
		}
	}
	return n.Protocol + "://" + host + "/" + strings.TrimPrefix(n.Name, "/")
}

// interfaces lists <interface> devices with their host-side backends.
func (d *domain) interfaces() []audit.VMInterface {
	out := []audit.VMInterface{}
	for _, iface := range d.Devices.Interfaces {
		v := audit.VMInterface{TrustGuestRxFilters: iface.TrustGuestRXFilters == "yes"}
		v.Type, v.Source, v.Mode = interfaceSource(iface.Source)
		if iface.Model != nil {
			v.Model = iface.Model.Type
		}
		if iface.Script != nil {
			v.Script = iface.Script.Path
		}
		out = append(out, v)
	}
	return out
}

// interfaceSource returns the libvirt interface type, its host-side name
// and its mode.
func interfaceSource(s *lvxml.DomainInterfaceSource) (typ, source, mode string) {
	switch {
	case s == nil:
		return "", "", ""
	case s.Network != nil:
		return "network", s.Network.Network, ""
	case s.Bridge != nil:
		return "bridge", s.Bridge.Bridge, ""
	case s.Direct != nil:
		return "direct", s.Direct.Dev, s.Direct.Mode
	case s.User != nil:
		return "user", s.User.Dev, ""
	case s.Ethernet != nil:
		return "ethernet", "", ""
	case s.Hostdev != nil:
		if s.Hostdev.PCI != nil {
			return "hostdev", pciAddress(s.Hostdev.PCI.Address), ""
		}
		return "hostdev", usbID(s.Hostdev.USB), ""
	case s.VHostUser != nil:
		if c := s.VHostUser.Chardev; c != nil && c.UNIX != nil {
			return "vhostuser", c.UNIX.Path, c.UNIX.Mode
		}
		return "vhostuser", "", ""
	case s.Server != nil:
		return "server", endpoint(s.Server.Address, s.Server.Port), ""
	case s.Client != nil:
		return "client", endpoint(s.Client.Address, s.Client.Port), ""
	case s.MCast != nil:
		return "mcast", endpoint(s.MCast.Address, s.MCast.Port), ""
	case s.UDP != nil:
		return "udp", endpoint(s.UDP.Address, s.UDP.Port), ""
	case s.VDPA != nil:
		return "vdpa", s.VDPA.Device, ""
	case s.Internal != nil:
		return "internal", s.Internal.Name, ""
	case s.Null != nil:
		return "null", "", ""
	case s.VDS != nil:
		return "vds", s.VDS.SwitchID, ""
	}
	return "", "", ""
}

func endpoint(addr string, port uint) string {
	if port == 0 {
		return addr
	}
	return fmt.Sprintf("%s:%d", addr, port)
}
