package vmx

import (
	"cmp"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

var (
	pciPassthruRe = regexp.MustCompile(`^pcipassthru(\d+)\.`)
	usbAutoRe     = regexp.MustCompile(`^usb\.autoconnect\.device(\d+)$`)
	usbVidPidRe   = regexp.MustCompile(`(?i)\bvid:(?:0x)?([0-9a-f]{1,4})\b.*\bpid:(?:0x)?([0-9a-f]{1,4})\b`)
	floppyRe      = regexp.MustCompile(`^floppy(\d+)\.`)
	serialRe      = regexp.MustCompile(`^serial(\d+)\.`)
	parallelRe    = regexp.MustCompile(`^parallel(\d+)\.`)
	diskRe        = regexp.MustCompile(`^(ide|sata|scsi|nvme)(\d+):(\d+)\.`)
)

// passthrough: DirectPath I/O devices (pciPassthruN.present TRUE: the id
// as written, else vendorId:deviceId), host USB devices connected at
// power-on (usb.autoConnect.deviceN: "vid:… pid:…" ⇒ "vvvv:pppp", other
// forms such as "path:1/0/0" as written), and generic SCSI passthrough of
// a host device (deviceType "scsi-passthru" outside /vmfs/devices/cdrom/,
// which is a CD-ROM drive, reported under disks).
func (d *doc) passthrough() []audit.VMPassthrough {
	out := []audit.VMPassthrough{}
	for _, n := range d.indices(pciPassthruRe) {
		p := fmt.Sprintf("pciPassthru%d.", n)
		if !d.on(p+"present", false) {
			continue
		}
		id := strings.TrimSpace(d.str(p + "id"))
		if id == "" && (d.has(p+"vendorId") || d.has(p+"deviceId")) {
			id = hexID(d.str(p+"vendorId")) + ":" + hexID(d.str(p+"deviceId"))
		}
		out = append(out, audit.VMPassthrough{Type: "pci", ID: id})
	}
	for _, n := range d.indices(usbAutoRe) {
		v := strings.TrimSpace(d.str(fmt.Sprintf("usb.autoConnect.device%d", n)))
		if v == "" {
			continue
		}
		if m := usbVidPidRe.FindStringSubmatch(v); m != nil {
			v = hexID(m[1]) + ":" + hexID(m[2])
		}
		out = append(out, audit.VMPassthrough{Type: "usb", ID: v})
	}
	for _, k := range d.diskKeys() {
		p := k.prefix()
		if strings.EqualFold(d.str(p+"deviceType"), "scsi-passthru") && !isHostCDPath(d.str(p+"fileName")) {
			out = append(out, audit.VMPassthrough{Type: "scsi", ID: d.str(p + "fileName")})
		}
	}
	return out
}

// hexID writes a PCI or USB id as four lower-case hex digits without 0x.
func hexID(s string) string {
	s = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "0x")
	if n, err := strconv.ParseUint(s, 16, 16); err == nil {
		return fmt.Sprintf("%04x", n)
	}
	if n, err := strconv.ParseUint(s, 10, 16); err == nil {
		return fmt.Sprintf("%04x", n)
	}
	return s
}

func isHostCDPath(p string) bool { return strings.HasPrefix(p, "/vmfs/devices/cdrom/") }

// devices: the emulated devices of interest. The SVGA adapter unless
// svga.present is FALSE ("vga" with svga.vgaOnly); floppyN, parallelN,
// sound, vtpm with present TRUE; USB controllers usb.present (UHCI),
// ehci.present, usb_xhci.present; the VMCI device unless vmci0.present is
// FALSE (it is present by default); the virtual IOMMU with vvtd.enable.
// An absent floppy0.present is not listed: its default differs between
// products and hardware versions (checks read vm.raw for it).
func (d *doc) devices() []audit.VMDevice {
	out := []audit.VMDevice{}
	add := func(class, model string) { out = append(out, audit.VMDevice{Class: class, Model: model}) }
	if d.on("svga.present", true) {
		if d.on("svga.vgaOnly", false) {
			add("video", "vga")
		} else {
			add("video", "svga")
		}
	}
	for _, n := range d.indices(floppyRe) {
		if d.on(fmt.Sprintf("floppy%d.present", n), false) {
			add("floppy", "")
		}
	}
	for _, c := range []struct{ key, model string }{{"usb.present", "uhci"}, {"ehci.present", "ehci"}, {"usb_xhci.present", "xhci"}} {
		if d.on(c.key, false) {
			add("usb_controller", c.model)
		}
	}
	if d.on("sound.present", false) {
		add("sound", d.str("sound.virtualDev"))
	}
	for _, n := range d.indices(parallelRe) {
		if d.on(fmt.Sprintf("parallel%d.present", n), false) {
			add("parallel", "")
		}
	}
	if d.on("vtpm.present", false) {
		add("tpm", "vtpm")
	}
	if d.on("vmci0.present", true) {
		add("vsock", "vmci")
	}
	if d.on("vvtd.enable", false) {
		add("iommu", "vvtd")
	}
	return out
}

// charDevices: serialN and parallelN with present TRUE, by fileType:
// "network" ⇒ tcp (fileName "telnet://0.0.0.0:42001"; endPoint "server",
// the default, listens; "client" connects out; with serialN.vspc the VM
// connects out to that concentrator), "pipe", "device" ⇒ dev, "file"; any
// other or no fileType ("thinprint", …) is "unknown".
func (d *doc) charDevices() []audit.VMCharDevice {
	out := []audit.VMCharDevice{}
	for _, kind := range []struct {
		typ string
		re  *regexp.Regexp
	}{{"serial", serialRe}, {"parallel", parallelRe}} {
		for _, n := range d.indices(kind.re) {
			p := fmt.Sprintf("%s%d.", kind.typ, n)
			if !d.on(p+"present", false) {
				continue
			}
			out = append(out, d.charDevice(kind.typ, p))
		}
	}
	return out
}

func (d *doc) charDevice(typ, p string) audit.VMCharDevice {
	c := audit.VMCharDevice{Type: typ, Exposure: audit.ExposureLocal}
	file := d.str(p + "fileName")
	switch strings.ToLower(strings.TrimSpace(d.str(p + "fileType"))) {
	case "device":
		c.Backend, c.Path = "dev", file
	case "file":
		c.Backend, c.Path = "file", file
	case "pipe":
		c.Backend, c.Path = "pipe", file
	case "network":
		c.Backend = "tcp"
		uri := file
		c.Mode = "bind"
		if strings.EqualFold(strings.TrimSpace(d.str(p+"network.endPoint")), "client") {
			c.Mode = "connect"
		}
		if vspc := strings.TrimSpace(d.str(p + "vspc")); vspc != "" {
			uri, c.Mode = vspc, "connect"
		}
		var scheme string
		scheme, c.Address, c.Port = splitURI(uri)
		c.Protocol, c.TLS = "raw", audit.SettingNo
		switch scheme {
		case "telnet":
			c.Protocol = "telnet"
		case "telnets":
			c.Protocol, c.TLS = "telnets", audit.SettingYes
		case "ssl", "tls":
			c.Protocol, c.TLS = "tls", audit.SettingYes
		}
		switch {
		case c.Mode == "connect":
			c.Exposure = audit.ExposureOutbound
		case c.Address == "":
			c.Exposure = audit.ExposureNetwork
		default:
			c.Exposure = exposure(c.Address)
		}
	default:
		c.Backend, c.Path, c.Exposure = "unknown", file, audit.ExposureUnknown
	}
	c.Exposed = c.Exposure == audit.ExposureNetwork
	return c
}

// splitURI splits "telnet://0.0.0.0:42001" into scheme, host and port;
// a URI without a scheme is read as host:port.
func splitURI(uri string) (scheme, host, port string) {
	rest := strings.TrimSpace(uri)
	if s, r, ok := strings.Cut(rest, "://"); ok {
		scheme, rest = strings.ToLower(s), r
	}
	rest, _, _ = strings.Cut(rest, "/")
	if h, p, err := net.SplitHostPort(rest); err == nil {
		return scheme, h, p
	}
	return scheme, strings.Trim(rest, "[]"), ""
}

// diskKey is one ideX:Y, sataX:Y, scsiX:Y or nvmeX:Y device slot.
type diskKey struct {
	bus        string
	ctrl, unit int
}

func (k diskKey) prefix() string { return fmt.Sprintf("%s%d:%d.", k.bus, k.ctrl, k.unit) }

var busOrder = map[string]int{"ide": 0, "sata": 1, "scsi": 2, "nvme": 3}

// diskKeys lists the device slots whose present key is TRUE, in bus,
// controller and unit order.
func (d *doc) diskKeys() []diskKey {
	seen := map[diskKey]bool{}
	for k := range d.cfg.settings {
		m := diskRe.FindStringSubmatch(k)
		if m == nil {
			continue
		}
		c, err1 := strconv.Atoi(m[2])
		u, err2 := strconv.Atoi(m[3])
		if err1 == nil && err2 == nil {
			seen[diskKey{m[1], c, u}] = true
		}
	}
	var out []diskKey
	for k := range seen {
		if d.on(k.prefix()+"present", false) {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b diskKey) int {
		return cmp.Or(cmp.Compare(busOrder[a.bus], busOrder[b.bus]), cmp.Compare(a.ctrl, b.ctrl), cmp.Compare(a.unit, b.unit))
	})
	return out
}

// disks: each present device slot by deviceType: cdrom-image (or an .iso
// file) ⇒ cdrom from a file; atapi-cdrom, cdrom-raw and scsi-passthru of
// /vmfs/devices/cdrom/ ⇒ the host's CD drive (host_device), unless
// clientDevice is TRUE (the console client's drive: type "client");
// rawDisk ⇒ a host disk; anything else ⇒ a disk image. mode
// independent-nonpersistent (or the legacy nonpersistent) is transient;
// sharing multi-writer is shareable. Then floppyN with present TRUE
// (fileType device ⇒ the host's floppy drive).
func (d *doc) disks() []audit.VMDisk {
	out := []audit.VMDisk{}
	for _, k := range d.diskKeys() {
		p := k.prefix()
		devType := strings.ToLower(strings.TrimSpace(d.str(p + "deviceType")))
		file := d.str(p + "fileName")
		disk := audit.VMDisk{Device: "disk", Type: "file", Source: file, Target: strings.TrimSuffix(p, "."), Bus: k.bus}
		switch {
		case devType == "scsi-passthru" && !isHostCDPath(file):
			continue // a passthrough device
		case devType == "atapi-cdrom" || devType == "cdrom-raw" || devType == "scsi-passthru":
			disk.Device, disk.Type, disk.HostDevice = "cdrom", "device", true
		case devType == "cdrom-image" || (devType == "" && strings.HasSuffix(strings.ToLower(file), ".iso")):
			disk.Device = "cdrom"
		case devType == "rawdisk":
			disk.Type, disk.HostDevice = "device", true
		}
		if disk.Source == "emptyBackingString" {
			disk.Source = ""
		}
		if d.on(p+"clientDevice", false) {
			disk.Type, disk.HostDevice = "client", false
		}
		mode := strings.ToLower(strings.TrimSpace(d.str(p + "mode")))
		disk.Transient = mode == "independent-nonpersistent" || mode == "nonpersistent"
		disk.Shareable = strings.EqualFold(strings.TrimSpace(d.str(p+"sharing")), "multi-writer")
		out = append(out, disk)
	}
	for _, n := range d.indices(floppyRe) {
		p := fmt.Sprintf("floppy%d.", n)
		if !d.on(p+"present", false) {
			continue
		}
		disk := audit.VMDisk{Device: "floppy", Type: "file", Source: d.str(p + "fileName"), Target: fmt.Sprintf("floppy%d", n), Bus: "fdc"}
		if strings.EqualFold(strings.TrimSpace(d.str(p+"fileType")), "device") {
			disk.Type, disk.HostDevice = "device", true
		}
		if d.on(p+"clientDevice", false) {
			disk.Type, disk.HostDevice = "client", false
		}
		out = append(out, disk)
	}
	return out
}
