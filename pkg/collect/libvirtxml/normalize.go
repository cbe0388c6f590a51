package libvirtxml

import (
	"fmt"
	"slices"
	"strings"

	lvxml "libvirt.org/go/libvirtxml"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Context is what normalization needs beyond the domain XML.
type Context struct {
	// State is the run state when the source knows it (a live
	// connection's DomainGetState, a <domstatus> file), else "".
	State string
	// SecretsVisible is true when the XML was dumped with secrets, so a
	// console without passwd has no password.
	SecretsVisible bool
	// QEMUConf is the host's qemu.conf, nil when it was not read: host
	// defaults that decide a setting are then unknown.
	QEMUConf *audit.QEMUConfig

	passwd []passwdAttr // from the probe; nil means "use the parsed values"
}

// NormalizeXML parses one domain XML document (<domain>, or <domstatus>
// whose state then overrides ctx.State) and returns its VM document.
// Errors are one line without the file name.
func NormalizeXML(data []byte, ctx Context) (*audit.VM, error) {
	p, err := decodeDomain(data, ctx.SecretsVisible)
	if err != nil {
		return nil, err
	}
	ctx.SecretsVisible, ctx.passwd = p.secrets, p.passwd
	if p.state != "" {
		ctx.State = p.state
	}
	return Normalize(p.dom, ctx), nil
}

// Normalize builds the VM document of a parsed domain with libvirt's
// defaults for absent values (vms.md §2, §4.1). It never fails and never
// changes dom: dom must not be nil, every pointer inside it may be. Lists
// and maps in the result are non-nil. A parsed Domain cannot tell an
// empty passwd attribute from an absent one; NormalizeXML can.
func Normalize(dom *lvxml.Domain, ctx Context) *audit.VM {
	shallow := *dom // never change the caller's domain
	d := domain{Domain: &shallow, ctx: ctx, raw: map[string]string{}}
	if d.Devices == nil {
		d.Devices = &lvxml.DomainDeviceList{}
	}
	vm := &audit.VM{
		Platform:       audit.PlatformLibvirt,
		Name:           dom.Name,
		UUID:           strings.ToLower(dom.UUID),
		State:          ctx.State,
		Hypervisor:     d.hypervisor(),
		RemoteConsoles: d.consoles(),
		Shares:         d.shares(),
		Passthrough:    d.passthrough(),
		Devices:        d.devices(),
		CharDevices:    d.charDevices(),
		Disks:          d.disks(),
		Interfaces:     d.interfaces(),
		Security:       d.security(),
		CPU:            d.cpu(),
		Firmware:       d.firmware(),
		Memory:         d.memory(),
		Accel3D:        d.accel3D(),
		LaunchSecurity: d.launchSecurity(),
		RawArgs:        []string{},
		RawEnvNames:    []string{},
	}
	vm.Clipboard, vm.FileTransfer = d.clipboard(), d.fileTransfer()
	vm.DragAndDrop = audit.VMDataPath{Mode: audit.DataPathDisabled, Via: []string{}}
	if os := dom.OS; os != nil && os.SMBios != nil {
		d.raw["os/smbios/@mode"] = os.SMBios.Mode
		vm.HostInfoExposed = os.SMBios.Mode == "host"
	}
	if cl := dom.QEMUCommandline; cl != nil {
		for _, a := range cl.Args {
			vm.RawArgs = append(vm.RawArgs, redactArg(a.Value))
		}
		for _, e := range cl.Envs {
			vm.RawEnvNames = append(vm.RawEnvNames, e.Name)
		}
		slices.Sort(vm.RawEnvNames)
		vm.RawEnvNames = slices.Compact(vm.RawEnvNames)
	}
	d.rawKeys()
	vm.Raw = d.raw
	return vm
}

// domain wraps the parsed domain with the normalization context and the
// raw keys gathered along the way.
type domain struct {
	*lvxml.Domain
	ctx Context
	raw map[string]string
}

func (d *domain) hypervisor() audit.VMHypervisor {
	h := audit.VMHypervisor{Type: d.Type, Emulator: d.Devices.Emulator}
	if d.Type == "kvm" || d.Type == "qemu" {
		// Both run the QEMU device models; KVM only accelerates the CPU.
		h.Product = "qemu"
	}
	if d.OS != nil && d.OS.Type != nil {
		h.Machine, h.Arch = d.OS.Type.Machine, d.OS.Type.Arch
	}
	return h
}

// cpu: mode from <cpu mode>, "custom" for a bare named model; nested from
// explicit vmx/svm policies, else the host decides for host-passthrough,
// host-model and maximum.
func (d *domain) cpu() audit.VMCPU {
	c := audit.VMCPU{Nested: audit.NestedDisabled, FeaturesRequired: []string{}, FeaturesDisabled: []string{}}
	if d.CPU == nil {
		return c
	}
	c.Mode = d.CPU.Mode
	if d.CPU.Model != nil {
		c.Model = strings.TrimSpace(d.CPU.Model.Value)
		if c.Mode == "" && c.Model != "" {
			c.Mode = "custom"
		}
	}
	for _, f := range d.CPU.Features {
		switch f.Policy {
		case "", "require", "force":
			c.FeaturesRequired = append(c.FeaturesRequired, f.Name)
		case "disable", "forbid":
			c.FeaturesDisabled = append(c.FeaturesDisabled, f.Name)
		}
	}
	slices.Sort(c.FeaturesRequired)
	slices.Sort(c.FeaturesDisabled)
	nestedFeature := func(list []string) bool { return slices.Contains(list, "vmx") || slices.Contains(list, "svm") }
	switch {
	case nestedFeature(c.FeaturesRequired):
		c.Nested = audit.NestedEnabled
	case nestedFeature(c.FeaturesDisabled):
		c.Nested = audit.NestedDisabled
	case c.Mode == "host-passthrough" || c.Mode == "host-model" || c.Mode == "maximum":
		c.Nested = audit.NestedHostDefault
	}
	if d.CPU.Cache != nil {
		d.raw["cpu/cache/@mode"] = d.CPU.Cache.Mode
	}
	return c
}

// firmware: <os firmware='efi'> or a pflash loader is EFI; secure boot
// from loader secure='yes' or the secure-boot firmware feature, unknown
// when EFI is picked automatically without saying.
func (d *domain) firmware() audit.VMFirmware {
	f := audit.VMFirmware{SecureBoot: audit.SettingNo}
	os := d.OS
	if os == nil {
		return f
	}
	f.Type = os.Firmware
	if f.Type == "" && os.Loader != nil {
		switch os.Loader.Type {
		case "pflash":
			f.Type = "efi"
		case "rom":
			f.Type = "bios"
		}
	}
	if f.Type != "efi" {
		return f
	}
	f.SecureBoot = audit.SettingUnknown
	if os.Loader != nil && os.Loader.Secure != "" {
		f.SecureBoot = yesNo(os.Loader.Secure == "yes")
	}
	if os.FirmwareInfo != nil {
		for _, ft := range os.FirmwareInfo.Features {
			if ft.Name == "secure-boot" {
				f.SecureBoot = yesNo(ft.Enabled == "yes")
			}
		}
	}
	return f
}

func (d *domain) memory() audit.VMMemory {
	m := audit.VMMemory{PageSharing: audit.PageSharingHostDefault}
	if mb := d.MemoryBacking; mb != nil {
		if mb.MemoryNosharepages != nil {
			m.PageSharing = audit.PageSharingDisabled
		}
		if mb.MemoryAccess != nil {
			m.Shared = mb.MemoryAccess.Mode == "shared"
			d.raw["memoryBacking/access/@mode"] = mb.MemoryAccess.Mode
		}
	}
	if d.Memory != nil && d.Memory.DumpCore != "" {
		d.raw["memory/@dumpCore"] = d.Memory.DumpCore
	}
	return m
}

// security resolves sVirt confinement: the domain's own labels when it
// has any (other than DAC), else the qemu.conf defaults.
func (d *domain) security() audit.VMSecurity {
	s := audit.VMSecurity{Confined: audit.SettingUnknown, Labels: []audit.VMSecurityLabel{}}
	var mac []audit.VMSecurityLabel
	for _, l := range d.SecLabel {
		lbl := audit.VMSecurityLabel{Model: l.Model, Type: l.Type, Label: strings.TrimSpace(l.Label)}
		if lbl.Type == "" {
			lbl.Type = "dynamic"
		}
		// relabel must be yes for dynamic labels; static ones default to no.
		lbl.Relabel = l.Relabel == "yes" || (l.Relabel == "" && lbl.Type == "dynamic")
		s.Labels = append(s.Labels, lbl)
		if lbl.Model != "dac" {
			mac = append(mac, lbl)
		}
	}
	if len(mac) > 0 {
		for _, l := range mac {
			if l.Type == "none" && l.Model == "" { // no model: every driver is off
				s.Confined, s.Driver = audit.SettingNo, "none"
				return s
			}
		}
		for _, l := range mac {
			if l.Type != "none" {
				s.Confined, s.Driver = audit.SettingYes, l.Model
				if s.Driver == "" {
					s.Driver = d.primaryDriver()
				}
				return s
			}
		}
		s.Confined, s.Driver = audit.SettingNo, "none"
		return s
	}
	conf := d.ctx.QEMUConf
	switch {
	case conf == nil:
	case slices.Equal(conf.SecurityDriver, []string{"none"}):
		s.Confined, s.Driver = audit.SettingNo, "none"
	case !conf.SecurityDefaultConfined:
		s.Confined, s.Driver = audit.SettingNo, d.primaryDriver()
	case len(conf.SecurityDriver) > 0:
		s.Confined, s.Driver = audit.SettingYes, conf.SecurityDriver[0]
	}
	// security_driver unset: libvirt uses whichever LSM the host has, if
	// any, which a configuration file cannot show: unknown.
	return s
}

// primaryDriver is qemu.conf's first security driver, "" when unknown.
func (d *domain) primaryDriver() string {
	if c := d.ctx.QEMUConf; c != nil && len(c.SecurityDriver) > 0 {
		return c.SecurityDriver[0]
	}
	return ""
}

// accel3D: virgl (accel3d, SPICE/SDL/D-Bus GL), egl-headless, or a
// vhost-user GPU.
func (d *domain) accel3D() bool {
	for _, v := range d.Devices.Videos {
		if (v.Model.Accel != nil && v.Model.Accel.Accel3D == "yes") || (v.Driver != nil && v.Driver.Name == "vhostuser") {
			return true
		}
	}
	for _, g := range d.Devices.Graphics {
		switch {
		case g.EGLHeadless != nil,
			g.Spice != nil && g.Spice.GL != nil && g.Spice.GL.Enable == "yes",
			g.SDL != nil && g.SDL.GL != nil && g.SDL.GL.Enable == "yes",
			g.DBus != nil && g.DBus.GL != nil && g.DBus.GL.Enable == "yes":
			return true
		}
	}
	return false
}

func (d *domain) launchSecurity() string {
	ls := d.LaunchSecurity
	switch {
	case ls == nil:
		return ""
	case ls.SEV != nil:
		if ls.SEV.Policy != nil {
			d.raw["launchSecurity/policy"] = fmt.Sprintf("0x%04x", *ls.SEV.Policy)
		}
		return "sev"
	case ls.SEVSNP != nil:
		if ls.SEVSNP.Policy != nil {
			d.raw["launchSecurity/policy"] = fmt.Sprintf("0x%05x", *ls.SEVSNP.Policy)
		}
		return "sev-snp"
	case ls.TDX != nil:
		return "tdx"
	case ls.S390PV != nil:
		return "s390-pv"
	}
	return ""
}

// rawKeys records libvirt settings without a normalized field.
func (d *domain) rawKeys() {
	if f := d.Features; f != nil {
		if f.KVM != nil && f.KVM.Hidden != nil {
			d.raw["features/kvm/hidden/@state"] = f.KVM.Hidden.State
		}
		if f.VMPort != nil {
			d.raw["features/vmport/@state"] = f.VMPort.State
		}
	}
	if os := d.OS; os != nil && os.Kernel != "" {
		d.raw["os/kernel"] = os.Kernel
	}
	for i, g := range d.Devices.Graphics {
		key := fmt.Sprintf("devices/graphics[%d]/@", i)
		if v := g.VNC; v != nil {
			setIf(d.raw, key+"sharePolicy", v.SharePolicy)
			setIf(d.raw, key+"powerControl", v.PowerControl)
			if v.WebSocket != 0 {
				d.raw[key+"websocket"] = fmt.Sprint(v.WebSocket)
			}
			setIf(d.raw, key+"passwdValidTo", v.PasswdValidTo)
		}
		if s := g.Spice; s != nil {
			setIf(d.raw, key+"defaultMode", s.DefaultMode)
			setIf(d.raw, key+"passwdValidTo", s.PasswdValidTo)
			for _, ch := range s.Channel {
				d.raw[fmt.Sprintf("devices/graphics[%d]/channel[@name='%s']/@mode", i, ch.Name)] = ch.Mode
			}
		}
	}
	for i, f := range d.Devices.RedirFilters {
		for j, u := range f.USB {
			key := fmt.Sprintf("devices/redirfilter[%d]/usbdev[%d]/@", i, j)
			d.raw[key+"allow"] = u.Allow
			setUint(d.raw, key+"class", u.Class, "0x%02x")
			setUint(d.raw, key+"vendor", u.Vendor, "0x%04x")
			setUint(d.raw, key+"product", u.Product, "0x%04x")
			setIf(d.raw, key+"version", u.Version)
		}
	}
	for i, h := range d.Devices.Hostdevs {
		if h.SubsysPCI != nil && h.SubsysPCI.Source != nil {
			setIf(d.raw, fmt.Sprintf("devices/hostdev[%d]/source/@writeFiltering", i), h.SubsysPCI.Source.WriteFiltering)
		}
	}
	for i, m := range d.Devices.IOMMUs {
		if m.Driver != nil {
			setIf(d.raw, fmt.Sprintf("devices/iommu[%d]/driver/@intremap", i), m.Driver.IntRemap)
		}
	}
	if mb := d.Devices.MemBalloon; mb != nil {
		setIf(d.raw, "devices/memballoon/@freePageReporting", mb.FreePageReporting)
	}
	d.diskRawKeys()
}

// diskRawKeys records per-disk TLS verification and label opt-outs.
func (d *domain) diskRawKeys() {
	for i, disk := range d.Devices.Disks {
		src := disk.Source
		if src == nil {
			continue
		}
		if src.SSL != nil {
			d.raw[fmt.Sprintf("devices/disk[%d]/source/ssl/@verify", i)] = src.SSL.Verify
		}
		var labels []lvxml.DomainDeviceSecLabel
		switch {
		case src.File != nil:
			labels = src.File.SecLabel
		case src.Block != nil:
			labels = src.Block.SecLabel
		case src.Volume != nil:
			labels = src.Volume.SecLabel
		}
		for j, l := range labels {
			setIf(d.raw, fmt.Sprintf("devices/disk[%d]/source/seclabel[%d]/@relabel", i, j), l.Relabel)
		}
	}
}

func setIf(m map[string]string, key, value string) {
	if value != "" {
		m[key] = value
	}
}

func setUint(m map[string]string, key string, v *uint, format string) {
	if v != nil {
		m[key] = fmt.Sprintf(format, *v)
	}
}

func yesNo(b bool) string {
	if b {
		return audit.SettingYes
	}
	return audit.SettingNo
}
