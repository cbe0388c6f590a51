package libvirtxml

import (
	lvxml "libvirt.org/go/libvirtxml"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// charDevices lists serial, parallel, console and channel devices, then
// USB redirection and smartcard passthrough devices that have a
// character-device backend (types "redirdev" and "smartcard").
func (d *domain) charDevices() []audit.VMCharDevice {
	out := []audit.VMCharDevice{}
	add := func(typ string, src *lvxml.DomainChardevSource, proto *lvxml.DomainChardevProtocol, target string) {
		out = append(out, d.charDevice(typ, src, proto, target))
	}
	for _, s := range d.Devices.Serials {
		target := ""
		if s.Target != nil {
			target = s.Target.Type
		}
		add("serial", s.Source, s.Protocol, target)
	}
	for _, p := range d.Devices.Parallels {
		add("parallel", p.Source, p.Protocol, "")
	}
	for _, c := range d.Devices.Consoles {
		target := ""
		if c.Target != nil {
			target = c.Target.Type
		}
		add("console", c.Source, c.Protocol, target)
	}
	for _, c := range d.Devices.Channels {
		add("channel", c.Source, c.Protocol, channelTarget(c.Target))
	}
	for _, r := range d.Devices.RedirDevs {
		add("redirdev", r.Source, r.Protocol, r.Bus)
	}
	for _, s := range d.Devices.Smartcards {
		if s.Passthrough != nil {
			add("smartcard", s.Passthrough, s.Protocol, "")
		}
	}
	return out
}

// channelTarget is the virtio/xen channel name or a guestfwd address:port.
func channelTarget(t *lvxml.DomainChannelTarget) string {
	switch {
	case t == nil:
		return ""
	case t.VirtIO != nil:
		return t.VirtIO.Name
	case t.Xen != nil:
		return t.Xen.Name
	case t.GuestFWD != nil:
		return "guestfwd:" + t.GuestFWD.Address + ":" + t.GuestFWD.Port
	}
	return ""
}

// charDevice normalizes one backend. TCP: mode absent means connect (the
// hypervisor is the client); bind listens on host (absent: all
// interfaces). UDP: QEMU receives on the bind side, which without an
// address is every interface, and UDP sources are spoofable: network
// unless bound to loopback.
func (d *domain) charDevice(typ string, src *lvxml.DomainChardevSource, proto *lvxml.DomainChardevProtocol, target string) audit.VMCharDevice {
	c := audit.VMCharDevice{Type: typ, Backend: chardevBackend(src), Target: target, Exposure: audit.ExposureLocal}
	switch {
	case src == nil: // a type libvirtxml does not know
		c.Backend, c.Exposure = "unknown", audit.ExposureUnknown
	case src.TCP != nil:
		t := src.TCP
		c.Mode, c.Address, c.Port, c.Protocol = t.Mode, t.Host, t.Service, "raw"
		if c.Mode == "" {
			c.Mode = "connect"
		}
		if proto != nil && proto.Type != "" {
			c.Protocol = proto.Type
		}
		c.TLS = d.chardevTLS(t.TLS)
		c.Exposure = audit.ExposureOutbound
		if c.Mode == "bind" {
			c.Exposure = addressExposure(c.Address)
		}
	case src.UDP != nil:
		u := src.UDP
		c.Mode, c.Address, c.Port = "connect", u.ConnectHost, u.ConnectService
		if u.BindHost != "" || u.BindService != "" {
			c.Mode, c.Address, c.Port = "bind", u.BindHost, u.BindService
		}
		c.Exposure = audit.ExposureNetwork
		if c.Mode == "bind" {
			c.Exposure = addressExposure(c.Address)
		}
	case src.UNIX != nil:
		c.Mode, c.Path = src.UNIX.Mode, src.UNIX.Path
	case src.File != nil:
		c.Path = src.File.Path
	case src.Pty != nil:
		c.Path = src.Pty.Path
	case src.Dev != nil:
		c.Path = src.Dev.Path
	case src.Pipe != nil:
		c.Path = src.Pipe.Path
	case src.Null != nil, src.SpiceVMC != nil, src.SpicePort != nil, src.QEMUVDAgent != nil, src.DBus != nil:
		// No host endpoint of its own: null discards, the others ride
		// the display connection (see remote_consoles).
		c.Exposure = audit.ExposureNone
	}
	c.Exposed = c.Exposure == audit.ExposureNetwork
	return c
}

// chardevTLS is the device's tls attribute, else qemu.conf chardev_tls.
func (d *domain) chardevTLS(attr string) string {
	switch {
	case attr == "yes" || attr == "no":
		return attr
	case d.ctx.QEMUConf == nil:
		return audit.SettingUnknown
	}
	return yesNo(d.ctx.QEMUConf.ChardevTLS)
}

// chardevBackend names the backend type as libvirt writes it.
func chardevBackend(s *lvxml.DomainChardevSource) string {
	switch {
	case s == nil:
		return "unknown"
	case s.Null != nil:
		return "null"
	case s.VC != nil:
		return "vc"
	case s.Pty != nil:
		return "pty"
	case s.Dev != nil:
		return "dev"
	case s.File != nil:
		return "file"
	case s.Pipe != nil:
		return "pipe"
	case s.StdIO != nil:
		return "stdio"
	case s.UDP != nil:
		return "udp"
	case s.TCP != nil:
		return "tcp"
	case s.UNIX != nil:
		return "unix"
	case s.SpiceVMC != nil:
		return "spicevmc"
	case s.SpicePort != nil:
		return "spiceport"
	case s.NMDM != nil:
		return "nmdm"
	case s.QEMUVDAgent != nil:
		return "qemu-vdagent"
	case s.DBus != nil:
		return "dbus"
	}
	return "unknown"
}
