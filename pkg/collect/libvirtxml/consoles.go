package libvirtxml

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	lvxml "libvirt.org/go/libvirtxml"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Where a console's effective listen address came from (VMConsole.ListenSource).
const (
	listenFromVM          = "vm"
	listenFromHostConfig  = "host_config"
	listenFromHostDefault = "host_default"
)

// consoleSpec is the part of VNC, SPICE and RDP graphics that listening
// and authentication depend on.
type consoleSpec struct {
	kind      string // vnc, spice, rdp
	listen    string
	listeners []lvxml.DomainGraphicListener
	socket    string
	port      int
	autoport  string
	tlsPort   int
	passwd    string
}

// consoles lists VNC, SPICE and RDP graphics; SDL, desktop, egl-headless
// and D-Bus displays serve no remote client and are not consoles.
func (d *domain) consoles() []audit.VMConsole {
	out := []audit.VMConsole{}
	for i, g := range d.Devices.Graphics {
		var s consoleSpec
		switch {
		case g.VNC != nil:
			v := g.VNC
			s = consoleSpec{kind: "vnc", listen: v.Listen, listeners: v.Listeners, socket: v.Socket,
				port: v.Port, autoport: v.AutoPort, passwd: v.Passwd}
		case g.Spice != nil:
			v := g.Spice
			s = consoleSpec{kind: "spice", listen: v.Listen, listeners: v.Listeners, port: v.Port,
				autoport: v.AutoPort, tlsPort: v.TLSPort, passwd: v.Passwd}
		case g.RDP != nil:
			v := g.RDP
			s = consoleSpec{kind: "rdp", listen: v.Listen, listeners: v.Listeners, port: v.Port,
				autoport: v.AutoPort, passwd: v.Passwd}
		default:
			continue
		}
		c := audit.VMConsole{Type: s.kind, Listen: []string{}, ListenSource: listenFromVM, Socket: s.socket,
			TLSPort: int64(max(s.tlsPort, 0))}
		c.Port, c.AutoPort = int64(max(s.port, 0)), s.autoport == "yes" || s.port == -1 || (s.port == 0 && s.autoport != "no")
		d.listen(&c, s)
		c.Exposed = c.Exposure == audit.ExposureNetwork
		c.Password = d.password(i, s.passwd)
		c.Auth = d.auth(s.kind, c.Password)
		c.TLS = d.consoleTLS(s.kind, g.Spice)
		out = append(out, c)
	}
	return out
}

// listen fills Listen, ListenSource, Socket and Exposure from the listen
// attribute and the <listen> children (libvirt mirrors the attribute
// into the first child; both are read). A console without any address
// listens where the host default says (qemu.conf vnc_listen, or a UNIX
// socket with vnc_auto_unix_socket).
func (d *domain) listen(c *audit.VMConsole, s consoleSpec) {
	var exposures []string
	hostDefault := false
	addAddr := func(a string) {
		if !slices.Contains(c.Listen, a) {
			c.Listen = append(c.Listen, a)
		}
		exposures = append(exposures, addressExposure(a))
	}
	if s.listen != "" {
		addAddr(s.listen)
	}
	if s.socket != "" {
		exposures = append(exposures, audit.ExposureLocal)
	}
	for _, l := range s.listeners {
		switch {
		case l.Address != nil && l.Address.Address != "":
			addAddr(l.Address.Address)
		case l.Address != nil:
			hostDefault = true
		case l.Network != nil && l.Network.Address != "":
			addAddr(l.Network.Address)
		case l.Network != nil: // resolved at start to the network's address
			addAddr("network:" + l.Network.Network)
		case l.Socket != nil:
			if c.Socket == "" {
				c.Socket = l.Socket.Socket
			}
			exposures = append(exposures, audit.ExposureLocal)
		default: // <listen type='none'/>
			exposures = append(exposures, audit.ExposureNone)
		}
	}
	if len(exposures) == 0 && !hostDefault {
		hostDefault = true
	}
	if hostDefault {
		exposures = append(exposures, d.defaultListen(c, s.kind))
	}
	c.Exposure = widest(exposures)
}

// defaultListen resolves a console that gives no address from qemu.conf.
func (d *domain) defaultListen(c *audit.VMConsole, kind string) string {
	conf := d.ctx.QEMUConf
	if conf == nil {
		c.ListenSource = listenFromHostDefault
		return audit.ExposureUnknown
	}
	c.ListenSource = listenFromHostConfig
	var addr string
	switch kind {
	case "vnc":
		if conf.VNCAutoUnixSocket {
			return audit.ExposureLocal
		}
		addr = conf.VNCListen
	case "spice":
		if conf.SpiceAutoUnixSocket {
			return audit.ExposureLocal
		}
		addr = conf.SpiceListen
	default:
		addr = conf.RDPListen
	}
	if !slices.Contains(c.Listen, addr) {
		c.Listen = append(c.Listen, addr)
	}
	return addressExposure(addr)
}

// exposureRank orders exposures from widest to narrowest; unknown ranks
// below network only, so an unknown listener is never hidden by a safe one.
var exposureRank = []string{audit.ExposureNetwork, audit.ExposureUnknown, audit.ExposureOutbound,
	audit.ExposureLoopback, audit.ExposureLocal, audit.ExposureNone}

// widest returns the widest of the exposures, "none" for none.
func widest(exposures []string) string {
	for _, e := range exposureRank {
		if slices.Contains(exposures, e) {
			return e
		}
	}
	return audit.ExposureNone
}

// addressExposure classifies a listen address: loopback for 127.0.0.0/8,
// ::1 (also IPv4-mapped) and "localhost"; network for everything else,
// including "", 0.0.0.0, ::, routable addresses, host and network names.
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

// password states the console's own password without its value. A dump
// without secrets drops passwd: absent is then unknown.
func (d *domain) password(i int, value string) string {
	present, empty := value != "", false
	if d.ctx.passwd != nil && i < len(d.ctx.passwd) {
		present, empty = d.ctx.passwd[i].present, d.ctx.passwd[i].empty
	}
	switch {
	case present && empty:
		return audit.PasswordEmpty
	case present:
		return audit.PasswordSet
	case d.ctx.SecretsVisible:
		return audit.PasswordNotSet
	}
	return audit.PasswordUnknown
}

// auth is the effective authentication: SASL from qemu.conf, the console's
// password, else qemu.conf's default password. Without qemu.conf,
// libvirt's built-in defaults (no SASL, no default password) apply.
func (d *domain) auth(kind, password string) string {
	conf := d.ctx.QEMUConf
	sasl, defaultPassword := false, audit.PasswordNotSet
	if conf != nil {
		switch kind {
		case "vnc":
			sasl, defaultPassword = conf.VNCSASL, conf.VNCPassword
		case "spice":
			sasl, defaultPassword = conf.SpiceSASL, conf.SpicePassword
		case "rdp":
			defaultPassword = conf.RDPPassword
		}
	}
	if sasl {
		return "sasl"
	}
	if password == audit.PasswordNotSet {
		password = defaultPassword
	}
	switch password {
	case audit.PasswordSet:
		return "password"
	case audit.PasswordEmpty:
		return "refused"
	case audit.PasswordNotSet:
		return "none"
	}
	return audit.SettingUnknown
}

// consoleTLS: VNC follows vnc_tls; SPICE needs spice_tls and is TLS-only
// when every channel (defaultMode and each <channel>) is secure.
func (d *domain) consoleTLS(kind string, spice *lvxml.DomainGraphicSpice) string {
	conf := d.ctx.QEMUConf
	if conf == nil {
		return audit.SettingUnknown
	}
	switch kind {
	case "vnc":
		return yesNo(conf.VNCTLS)
	case "spice":
		if !conf.SpiceTLS {
			return audit.SettingNo
		}
		if spice.DefaultMode != "secure" {
			return "optional"
		}
		for _, ch := range spice.Channel {
			if ch.Mode != "secure" {
				return "optional"
			}
		}
		return audit.SettingYes
	}
	return audit.SettingUnknown
}

// clipboard: SPICE copy and paste is on unless <clipboard copypaste='no'/>
// (vms.md §2); a qemu-vdagent channel shares the clipboard only with
// copypaste='yes'.
func (d *domain) clipboard() audit.VMDataPath {
	p := audit.VMDataPath{Mode: audit.DataPathDisabled, Via: []string{}}
	for i, g := range d.Devices.Graphics {
		if g.Spice == nil {
			continue
		}
		key := fmt.Sprintf("devices/graphics[%d]/clipboard/@copypaste", i)
		switch {
		case g.Spice.ClipBoard == nil || g.Spice.ClipBoard.CopyPaste == "":
			p.Mode, p.Via = audit.DataPathBidirectional, append(p.Via, key+" (absent: yes)")
		case g.Spice.ClipBoard.CopyPaste == "yes":
			p.Mode, p.Via = audit.DataPathBidirectional, append(p.Via, key+"=yes")
		default:
			p.Via = append(p.Via, key+"="+g.Spice.ClipBoard.CopyPaste)
		}
	}
	for i, ch := range d.Devices.Channels {
		if ch.Source == nil || ch.Source.QEMUVDAgent == nil {
			continue
		}
		key := fmt.Sprintf("devices/channel[%d]/source/clipboard/@copypaste", i)
		if cb := ch.Source.QEMUVDAgent.ClipBoard; cb != nil && cb.CopyPaste == "yes" {
			p.Mode, p.Via = audit.DataPathBidirectional, append(p.Via, key+"=yes")
		} else {
			p.Via = append(p.Via, key+" (absent: no)")
		}
	}
	return p
}

// fileTransfer: SPICE lets the client push files into the guest unless
// <filetransfer enable='no'/>.
func (d *domain) fileTransfer() audit.VMDataPath {
	p := audit.VMDataPath{Mode: audit.DataPathDisabled, Via: []string{}}
	for i, g := range d.Devices.Graphics {
		if g.Spice == nil {
			continue
		}
		key := fmt.Sprintf("devices/graphics[%d]/filetransfer/@enable", i)
		switch ft := g.Spice.FileTransfer; {
		case ft == nil || ft.Enable == "":
			p.Mode, p.Via = audit.DataPathHostToGuest, append(p.Via, key+" (absent: yes)")
		case ft.Enable == "yes":
			p.Mode, p.Via = audit.DataPathHostToGuest, append(p.Via, key+"=yes")
		default:
			p.Via = append(p.Via, key+"="+ft.Enable)
		}
	}
	return p
}
