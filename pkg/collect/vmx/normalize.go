package vmx

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Context is what normalization needs beyond the file's settings.
type Context struct {
	// FallbackName is the VM name when the file has no displayName
	// (VMware then shows the file name): the collector passes the .vmx
	// base name without its extension.
	FallbackName string
}

// NormalizeVMX parses one .vmx file and returns its VM document and the
// parser's notes. Errors are one line without the file name.
func NormalizeVMX(data []byte, ctx Context) (*audit.VM, []string, error) {
	cfg, err := Parse(data)
	if err != nil {
		return nil, nil, err
	}
	if err := checkReadable(cfg); err != nil {
		return nil, nil, err
	}
	vm, notes := Normalize(cfg, ctx)
	return vm, notes, nil
}

// checkReadable refuses configurations whose settings cannot be read
// offline: an encrypted VM keeps them in encryption.data, and judging the
// few plaintext keys left would report VMware's defaults as its settings.
func checkReadable(cfg *Config) error {
	for _, k := range []string{"encryption.data", "encryption.keysafe"} {
		if _, ok := cfg.Get(k); ok {
			return fmt.Errorf("encrypted VM configuration (%s): its settings cannot be read offline", k)
		}
	}
	return nil
}

// Normalize builds the VM document of a parsed .vmx with VMware's
// defaults for absent keys (vms.md §2, §3.1; libvirt src/vmx/vmx.c for
// device keys), and returns notes about values VMware would not accept
// as written (a boolean key set to a word that is not a boolean). It never
// fails; lists and maps in the result are non-nil.
func Normalize(cfg *Config, ctx Context) (*audit.VM, []string) {
	d := &doc{cfg: cfg}
	name, _ := cfg.Get("displayName")
	if name == "" {
		name = ctx.FallbackName
	}
	hwVersion, _ := cfg.Get("virtualHW.version")
	vm := &audit.VM{
		Platform:       audit.PlatformVMware,
		Name:           name,
		UUID:           normalizeUUID(d.str("uuid.bios")),
		Hypervisor:     audit.VMHypervisor{Type: "vmware", HardwareVersion: hwVersion},
		RemoteConsoles: d.consoles(),
		Shares:         d.shares(),
		Passthrough:    d.passthrough(),
		Devices:        d.devices(),
		CharDevices:    d.charDevices(),
		Disks:          d.disks(),
		Interfaces:     d.interfaces(),
		Security:       audit.VMSecurity{Confined: audit.SettingUnknown, Labels: []audit.VMSecurityLabel{}},
		CPU:            d.cpu(),
		Firmware:       d.firmware(),
		Memory:         d.memory(),
		Accel3D:        d.on("mks.enable3d", false),
		// tools.guestlib.enableHostInfo: FALSE when absent (SCG 9.1).
		HostInfoExposed: d.on("tools.guestlib.enableHostInfo", false),
		RawArgs:         []string{},
		RawEnvNames:     []string{},
	}
	vm.Clipboard, vm.DragAndDrop, vm.FileTransfer = d.dataPaths()
	raw, notes := rawSettings(cfg)
	vm.Raw = raw
	return vm, append(d.notes, notes...)
}

// rawSettings is vm.raw: every key, lower case, with rawValue applied;
// notes name the boolean keys whose value VMware does not recognize.
func rawSettings(cfg *Config) (map[string]string, []string) {
	raw := make(map[string]string, len(cfg.settings))
	var notes []string
	for _, k := range cfg.Keys() {
		s := cfg.settings[k]
		v, ok := rawValue(k, s.Value)
		if !ok {
			notes = append(notes, fmt.Sprintf("line %d: %s is not a boolean word; VMware reads it as FALSE", s.Line, s.Key))
		}
		raw[k] = v
	}
	return raw, notes
}

// doc reads one configuration.
type doc struct {
	cfg   *Config
	notes []string
}

func (d *doc) str(key string) string {
	v, _ := d.cfg.Get(key)
	return v
}

func (d *doc) has(key string) bool {
	_, ok := d.cfg.Get(key)
	return ok
}

// on reads a boolean key with VMware's rules, def when absent.
func (d *doc) on(key string, def bool) bool {
	v, _ := d.cfg.Bool(key, def)
	return v
}

// indices returns the sorted indices N of keys matching re, whose first
// submatch is N (sharedfolder(\d+)\.…).
func (d *doc) indices(re *regexp.Regexp) []int {
	seen := map[int]bool{}
	for k := range d.cfg.settings {
		if m := re.FindStringSubmatch(k); m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil {
				seen[n] = true
			}
		}
	}
	out := make([]int, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// normalizeUUID turns uuid.bios ("56 4d ee 3c 52 06 a3 de-be 4a 73 9c cc
// 99 15 1f") into the canonical lower-case form; anything that is not 32
// hexadecimal digits is kept lower-cased as written.
func normalizeUUID(s string) string {
	hex := strings.NewReplacer(" ", "", "-", "").Replace(strings.ToLower(s))
	if len(hex) != 32 || strings.Trim(hex, "0123456789abcdef") != "" {
		return strings.ToLower(strings.TrimSpace(s))
	}
	return hex[0:8] + "-" + hex[8:12] + "-" + hex[12:16] + "-" + hex[16:20] + "-" + hex[20:32]
}

// exposure classifies a listen address: loopback for 127.0.0.0/8, ::1,
// IPv4-mapped loopback and localhost; network for anything else
// (0.0.0.0, ::, routable addresses, host names).
func exposure(addr string) string {
	a := strings.Trim(strings.TrimSpace(addr), "[]")
	if strings.EqualFold(a, "localhost") {
		return audit.ExposureLoopback
	}
	if ip := net.ParseIP(a); ip != nil && ip.IsLoopback() {
		return audit.ExposureLoopback
	}
	return audit.ExposureNetwork
}

// consoles: VMware's built-in VNC server (RemoteDisplay.vnc.*). Without
// RemoteDisplay.vnc.ip it listens on every interface. The password is
// RemoteDisplay.vnc.password or its obfuscated form RemoteDisplay.vnc.key;
// only their presence is read. VMware's VNC server has no TLS.
func (d *doc) consoles() []audit.VMConsole {
	out := []audit.VMConsole{}
	if !d.on("RemoteDisplay.vnc.enabled", false) {
		return out
	}
	listen := strings.TrimSpace(d.str("RemoteDisplay.vnc.ip"))
	if listen == "" {
		listen = "0.0.0.0"
	}
	port, _ := strconv.ParseInt(strings.TrimSpace(d.str("RemoteDisplay.vnc.port")), 10, 64)
	if port < 0 {
		port = 0
	}
	c := audit.VMConsole{Type: "vnc", Listen: []string{listen}, ListenSource: "vm", Port: port,
		Exposure: exposure(listen), Password: audit.PasswordNotSet, Auth: "none", TLS: audit.SettingNo}
	c.Exposed = c.Exposure == audit.ExposureNetwork
	pw, pwSet := d.cfg.Get("RemoteDisplay.vnc.password")
	key, keySet := d.cfg.Get("RemoteDisplay.vnc.key")
	switch {
	case pw != "" || key != "":
		c.Password, c.Auth = audit.PasswordSet, "password"
	case pwSet || keySet:
		// An empty password: VMware then asks for none.
		c.Password = audit.PasswordEmpty
	}
	return append(out, c)
}

var sharedFolderRe = regexp.MustCompile(`^sharedfolder(\d+)\.`)

// shares: sharedFolderN with present and enabled TRUE (both FALSE when
// absent), unless isolation.tools.hgfs.disable is TRUE, which turns every
// shared folder off. writeAccess is FALSE when absent (libvirt vmx.c).
func (d *doc) shares() []audit.VMShare {
	out := []audit.VMShare{}
	if disabled, set := d.cfg.Bool("isolation.tools.hgfs.disable", true); set && disabled {
		return out
	}
	for _, n := range d.indices(sharedFolderRe) {
		p := fmt.Sprintf("sharedFolder%d.", n)
		if !d.on(p+"present", false) || !d.on(p+"enabled", false) {
			continue
		}
		out = append(out, audit.VMShare{Type: "hgfs", HostPath: d.str(p + "hostPath"), Target: d.str(p + "guestName"),
			Writable: d.on(p+"writeAccess", false)})
	}
	return out
}

// dataPaths: clipboard from isolation.tools.copy.disable (guest→host) and
// isolation.tools.paste.disable (host→guest), drag-and-drop from
// isolation.tools.dnd.disable; FALSE opens a path. Absent keys are TRUE
// on vSphere (SCG 9.1); a hosted product (virtualHW.productCompatibility
// = "hosted": Workstation, Fusion) turns these paths on in its own
// defaults, so there an absent key is unknown. VMware has no file
// transfer setting of its own: files move by drag-and-drop and shared
// folders.
func (d *doc) dataPaths() (clipboard, dnd, files audit.VMDataPath) {
	hosted := strings.EqualFold(strings.TrimSpace(d.str("virtualHW.productCompatibility")), "hosted")
	state := func(key string) (string, string) {
		disabled, set := d.cfg.Bool(key, true)
		switch {
		case set && disabled:
			return audit.SettingNo, key + "=TRUE"
		case set:
			return audit.SettingYes, key + "=FALSE"
		case hosted:
			return audit.SettingUnknown, key + " (absent: hosted product default)"
		}
		return audit.SettingNo, key + " (absent: TRUE)"
	}
	copyOn, copyVia := state("isolation.tools.copy.disable")
	pasteOn, pasteVia := state("isolation.tools.paste.disable")
	clipboard = audit.VMDataPath{Via: []string{copyVia, pasteVia}}
	switch {
	case copyOn == audit.SettingUnknown || pasteOn == audit.SettingUnknown:
		clipboard.Mode = audit.DataPathUnknown
	case copyOn == audit.SettingYes && pasteOn == audit.SettingYes:
		clipboard.Mode = audit.DataPathBidirectional
	case copyOn == audit.SettingYes:
		clipboard.Mode = audit.DataPathGuestToHost
	case pasteOn == audit.SettingYes:
		clipboard.Mode = audit.DataPathHostToGuest
	default:
		clipboard.Mode = audit.DataPathDisabled
	}
	dndOn, dndVia := state("isolation.tools.dnd.disable")
	dnd = audit.VMDataPath{Mode: map[string]string{audit.SettingYes: audit.DataPathBidirectional,
		audit.SettingNo: audit.DataPathDisabled, audit.SettingUnknown: audit.DataPathUnknown}[dndOn], Via: []string{dndVia}}
	files = audit.VMDataPath{Mode: audit.DataPathDisabled, Via: []string{}}
	return clipboard, dnd, files
}

func (d *doc) cpu() audit.VMCPU {
	c := audit.VMCPU{Nested: audit.NestedDisabled, FeaturesRequired: []string{}, FeaturesDisabled: []string{}}
	if d.on("vhv.enable", false) {
		c.Nested = audit.NestedEnabled
	}
	return c
}

// firmware: "efi" or "bios" as written ("" when absent: the product
// picks by guest OS and hardware version). Secure Boot needs
// uefi.secureBoot.enabled TRUE on EFI firmware; with the firmware key
// absent it is unknown.
func (d *doc) firmware() audit.VMFirmware {
	f := audit.VMFirmware{SecureBoot: audit.SettingNo}
	switch t := strings.ToLower(strings.TrimSpace(d.str("firmware"))); t {
	case "efi", "bios":
		f.Type = t
	}
	if d.on("uefi.secureBoot.enabled", false) {
		switch f.Type {
		case "efi":
			f.SecureBoot = audit.SettingYes
		case "":
			f.SecureBoot = audit.SettingUnknown
		}
	}
	return f
}

// memory: sched.mem.pshare.enable FALSE turns page sharing off; a
// sched.mem.pshare.salt lets VMs with the same salt share pages; without
// either the host's Mem.ShareForceSalting decides.
func (d *doc) memory() audit.VMMemory {
	m := audit.VMMemory{PageSharing: audit.PageSharingHostDefault}
	switch {
	case !d.on("sched.mem.pshare.enable", true):
		m.PageSharing = audit.PageSharingDisabled
	case d.has("sched.mem.pshare.salt"):
		m.PageSharing = audit.PageSharingEnabled
	}
	return m
}

var ethernetRe = regexp.MustCompile(`^ethernet(\d+)\.`)

// interfaces: ethernetN with present TRUE; connectionType "bridged" when
// absent; the source is networkName (vSphere port group, Workstation
// network) or vnet (Workstation custom vmnet).
func (d *doc) interfaces() []audit.VMInterface {
	out := []audit.VMInterface{}
	for _, n := range d.indices(ethernetRe) {
		p := fmt.Sprintf("ethernet%d.", n)
		if !d.on(p+"present", false) {
			continue
		}
		typ := strings.ToLower(strings.TrimSpace(d.str(p + "connectionType")))
		if typ == "" {
			typ = "bridged"
		}
		src := d.str(p + "networkName")
		if src == "" {
			src = d.str(p + "vnet")
		}
		out = append(out, audit.VMInterface{Type: typ, Source: src, Model: d.str(p + "virtualDev")})
	}
	return out
}
