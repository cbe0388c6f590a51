package libvirtxml

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	lvxml "libvirt.org/go/libvirtxml"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// testdata holds realistic domain XML (libvirt 9/10 formatting) and
// qemu.conf files.
const testdata = "../../../testdata/libvirt"

func domainFixture(t *testing.T, name string, ctx Context) *audit.VM {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testdata, "domains", name))
	if err != nil {
		t.Fatal(err)
	}
	vm, err := NormalizeXML(data, ctx)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return vm
}

func confFixture(t *testing.T, name string) *audit.QEMUConfig {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testdata, "qemu", name))
	if err != nil {
		t.Fatal(err)
	}
	conf, _, err := ParseQEMUConf(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &conf
}

func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s\n got %#v\nwant %#v", what, got, want)
	}
}

func TestNormalizeFixtures(t *testing.T) {
	risky := confFixture(t, "risky.conf")
	tests := []struct {
		name, file string
		ctx        Context
		check      func(t *testing.T, vm *audit.VM)
	}{
		{"hardened domain", "hardened.xml", Context{}, func(t *testing.T, vm *audit.VM) {
			eq(t, "identity", []string{vm.Platform, vm.Name, vm.UUID, vm.State},
				[]string{"libvirt", "hardened", "6f1a0c6e-3b2d-4c5e-9a7b-1d2e3f405162", ""})
			eq(t, "hypervisor", vm.Hypervisor, audit.VMHypervisor{Type: "kvm", Emulator: "/usr/bin/qemu-system-x86_64",
				Machine: "pc-q35-8.2", Arch: "x86_64", Product: "qemu"})
			eq(t, "consoles", vm.RemoteConsoles, []audit.VMConsole{{Type: "vnc", Listen: []string{"127.0.0.1"},
				ListenSource: "vm", AutoPort: true, Exposure: "loopback", Password: "set", Auth: "password", TLS: "unknown"}})
			eq(t, "shares", vm.Shares, []audit.VMShare{})
			eq(t, "passthrough", vm.Passthrough, []audit.VMPassthrough{})
			eq(t, "devices", vm.Devices, []audit.VMDevice{{Class: "video", Model: "virtio"},
				{Class: "tpm", Model: "tpm-crb", Backend: "emulator"}, {Class: "memballoon", Model: "virtio"}})
			eq(t, "security", vm.Security, audit.VMSecurity{Driver: "selinux", Confined: "yes",
				Labels: []audit.VMSecurityLabel{{Model: "selinux", Type: "dynamic", Relabel: true}}})
			eq(t, "cpu", vm.CPU, audit.VMCPU{Mode: "custom", Model: "Skylake-Server-IBRS", Nested: "disabled",
				FeaturesRequired: []string{"md-clear"}, FeaturesDisabled: []string{"vmx"}})
			eq(t, "firmware", vm.Firmware, audit.VMFirmware{Type: "efi", SecureBoot: "yes"})
			eq(t, "memory", vm.Memory, audit.VMMemory{PageSharing: "disabled"})
			eq(t, "clipboard", vm.Clipboard.Mode, "disabled")
			for _, c := range vm.CharDevices {
				if c.Exposed || c.Exposure != "local" {
					t.Errorf("char device %+v exposed", c)
				}
			}
			eq(t, "flags", []bool{vm.Accel3D, vm.HostInfoExposed}, []bool{false, false})
			eq(t, "raw args", len(vm.RawArgs)+len(vm.Raw), 0)
		}},
		{"public VNC without password", "vnc-public-nopass.xml", Context{}, func(t *testing.T, vm *audit.VM) {
			eq(t, "consoles", vm.RemoteConsoles, []audit.VMConsole{{Type: "vnc", Listen: []string{"0.0.0.0"},
				ListenSource: "vm", Port: 5901, Exposure: "network", Exposed: true, Password: "not_set", Auth: "none", TLS: "unknown"}})
			eq(t, "raw sharePolicy", vm.Raw["devices/graphics[0]/@sharePolicy"], "ignore")
			eq(t, "devices", vm.Devices, []audit.VMDevice{{Class: "usb_controller", Model: "qemu-xhci"}, {Class: "video", Model: "cirrus"}})
		}},
		{"public VNC with the risky qemu.conf", "vnc-public-nopass.xml", Context{QEMUConf: risky}, func(t *testing.T, vm *audit.VM) {
			// vnc_password in qemu.conf applies to consoles without their own.
			c := vm.RemoteConsoles[0]
			eq(t, "password/auth/tls", []string{c.Password, c.Auth, c.TLS}, []string{"not_set", "password", "no"})
		}},
		{"read-only dump hides passwords", "readonly-dump.xml", Context{}, func(t *testing.T, vm *audit.VM) {
			eq(t, "consoles", vm.RemoteConsoles, []audit.VMConsole{
				{Type: "vnc", Listen: []string{"0.0.0.0"}, ListenSource: "vm", Port: 5900, AutoPort: true,
					Exposure: "network", Exposed: true, Password: "unknown", Auth: "unknown", TLS: "unknown"},
				{Type: "vnc", Listen: []string{}, ListenSource: "host_default", AutoPort: true,
					Exposure: "unknown", Password: "unknown", Auth: "unknown", TLS: "unknown"}})
			eq(t, "security", []string{vm.Security.Driver, vm.Security.Confined}, []string{"apparmor", "yes"})
		}},
		{"read-only dump declared secure, with qemu.conf", "readonly-dump.xml", Context{SecretsVisible: true, QEMUConf: risky},
			func(t *testing.T, vm *audit.VM) {
				c := vm.RemoteConsoles[1]
				eq(t, "default listen", []string{c.ListenSource, c.Exposure, strings.Join(c.Listen, ",")},
					[]string{"host_config", "network", "0.0.0.0"})
				eq(t, "password", c.Password, "not_set")
			}},
		{"host root 9p share without sVirt", "share-root-9p.xml", Context{}, func(t *testing.T, vm *audit.VM) {
			eq(t, "shares", vm.Shares, []audit.VMShare{
				{Type: "9p", HostPath: "/", Target: "hostroot", Writable: true, AccessMode: "passthrough"},
				{Type: "9p", HostPath: "/srv/exports/data", Target: "data", AccessMode: "mapped", Driver: "path"},
				{Type: "virtiofs", HostPath: "/home/alice", Target: "alice", Writable: true, AccessMode: "passthrough",
					Driver: "virtiofs", Sandbox: "chroot"},
				{Type: "virtiofs", Target: "ext", Writable: true, AccessMode: "passthrough", Driver: "virtiofs", Sandbox: "external"}})
			eq(t, "security", vm.Security, audit.VMSecurity{Driver: "none", Confined: "no",
				Labels: []audit.VMSecurityLabel{{Type: "none"}}})
			eq(t, "memory", vm.Memory, audit.VMMemory{Shared: true, PageSharing: "host_default"})
		}},
		{"floppy and legacy devices", "floppy.xml", Context{}, func(t *testing.T, vm *audit.VM) {
			eq(t, "devices", vm.Devices, []audit.VMDevice{{Class: "floppy"}, {Class: "fdc"},
				{Class: "usb_controller", Model: "piix3-uhci"}, {Class: "sound", Model: "sb16"}, {Class: "sound", Model: "ich6"},
				{Class: "parallel"}, {Class: "shmem", Model: "ivshmem-plain"}, {Class: "video", Model: "vga"}})
			eq(t, "disks", vm.Disks, []audit.VMDisk{
				{Device: "floppy", Type: "file", Source: "/var/lib/libvirt/images/dos622.img", Target: "fda", Bus: "fdc"},
				{Device: "cdrom", Type: "block", Source: "/dev/sr0", Target: "hdc", Bus: "ide", HostDevice: true, ReadOnly: true},
				{Device: "lun", Type: "block", Source: "/dev/sdb", Target: "sda", Bus: "scsi", HostDevice: true,
					Shareable: true, RawIO: true, SGIO: "unfiltered"}})
			eq(t, "machine", vm.Hypervisor.Machine, "pc-i440fx-7.2")
			eq(t, "parallel backend", vm.CharDevices, []audit.VMCharDevice{{Type: "parallel", Backend: "file",
				Path: "/var/log/libvirt/qemu/legacy-floppy-lpt.log", Exposure: "local"}})
		}},
		{"USB, PCI, mdev and input passthrough", "usb-hostdev.xml", Context{}, func(t *testing.T, vm *audit.VM) {
			eq(t, "passthrough", vm.Passthrough, []audit.VMPassthrough{
				{Type: "usb", ID: "046d:c52b", Managed: true},
				{Type: "pci", ID: "0000:03:00.0", Managed: true, ROMFile: "/var/lib/libvirt/roms/gpu-patched.rom"},
				{Type: "mdev", ID: "c2177883-f1bb-47f0-914d-32a22e3a8804"},
				{Type: "pci", ID: "0000:81:10.2", Managed: true},
				{Type: "input", ID: "/dev/input/event1"}})
			eq(t, "redirect filter", vm.Raw["devices/redirfilter[0]/usbdev[0]/@allow"], "yes")
			eq(t, "security", []string{vm.Security.Driver, vm.Security.Confined}, []string{"apparmor", "yes"})
		}},
		{"qemu:commandline", "qemu-cmdline.xml", Context{}, func(t *testing.T, vm *audit.VM) {
			eq(t, "raw args", vm.RawArgs, []string{"-object", "secret,id=sec0,data=[redacted],format=raw",
				"-device", "ivshmem-doorbell,chardev=ivs0,vectors=2",
				"-drive", "file=http://backup:[redacted]@files.example.net/disk.img,if=none,id=drive-x,readonly=on",
				"-vnc", ":9,password=on",
				"-object", `{"data":"[redacted]","id":"sec1","qom-type":"secret"}`})
			eq(t, "env names", vm.RawEnvNames, []string{"API_TOKEN", "SPICE_DEBUG_LEVEL"})
			eq(t, "uuid lower case", vm.UUID, "5c4b3a29-1807-46f5-a4b3-c2d1e0f9a8b7")
		}},
		{"host-passthrough CPU with nested, host SMBIOS, 3D", "cpu-passthrough.xml", Context{}, func(t *testing.T, vm *audit.VM) {
			eq(t, "cpu", vm.CPU, audit.VMCPU{Mode: "host-passthrough", Nested: "enabled",
				FeaturesRequired: []string{"vmx"}, FeaturesDisabled: []string{}})
			eq(t, "flags", []bool{vm.Accel3D, vm.HostInfoExposed}, []bool{true, true})
			eq(t, "raw", vm.Raw, map[string]string{"os/smbios/@mode": "host", "cpu/cache/@mode": "passthrough",
				"features/kvm/hidden/@state": "on"})
			eq(t, "no remote console for egl-headless", vm.RemoteConsoles, []audit.VMConsole{})
		}},
		{"TCP serial on 0.0.0.0", "serial-tcp.xml", Context{}, func(t *testing.T, vm *audit.VM) {
			eq(t, "char devices", vm.CharDevices, []audit.VMCharDevice{
				{Type: "serial", Backend: "tcp", Mode: "bind", Address: "0.0.0.0", Port: "4555", Protocol: "telnet",
					TLS: "unknown", Target: "isa-serial", Exposure: "network", Exposed: true},
				{Type: "serial", Backend: "tcp", Mode: "bind", Address: "127.0.0.1", Port: "4556", Protocol: "raw",
					TLS: "yes", Exposure: "loopback"},
				{Type: "console", Backend: "tcp", Mode: "bind", Address: "0.0.0.0", Port: "4555", Protocol: "telnet",
					TLS: "unknown", Target: "serial", Exposure: "network", Exposed: true},
				{Type: "channel", Backend: "udp", Mode: "bind", Port: "6000", Target: "org.example.udp",
					Exposure: "network", Exposed: true},
				{Type: "channel", Backend: "tcp", Mode: "connect", Address: "192.0.2.10", Port: "9999", Protocol: "raw",
					TLS: "unknown", Target: "guestfwd:10.0.2.1:4600", Exposure: "outbound"},
				{Type: "channel", Backend: "unix", Mode: "bind",
					Path:   "/var/lib/libvirt/qemu/channel/target/serial-tcp.org.qemu.guest_agent.0",
					Target: "org.qemu.guest_agent.0", Exposure: "local"}})
		}},
		{"TCP serial with qemu.conf chardev_tls", "serial-tcp.xml", Context{QEMUConf: confFixture(t, "hardened.conf")},
			func(t *testing.T, vm *audit.VM) {
				eq(t, "tls", []string{vm.CharDevices[0].TLS, vm.CharDevices[1].TLS}, []string{"yes", "yes"})
			}},
		{"SPICE with clipboard", "spice-clipboard.xml", Context{}, func(t *testing.T, vm *audit.VM) {
			eq(t, "clipboard", vm.Clipboard, audit.VMDataPath{Mode: "bidirectional", Via: []string{
				"devices/graphics[0]/clipboard/@copypaste (absent: yes)", "devices/graphics[1]/clipboard/@copypaste=no"}})
			eq(t, "file transfer", vm.FileTransfer.Mode, "host_to_guest")
			eq(t, "drag and drop", vm.DragAndDrop, audit.VMDataPath{Mode: "disabled", Via: []string{}})
			eq(t, "consoles exposure", []string{vm.RemoteConsoles[0].Exposure, vm.RemoteConsoles[1].Exposure,
				vm.RemoteConsoles[1].Listen[0]}, []string{"network", "network", "network:default"})
			eq(t, "usb redirection over TCP", vm.CharDevices[2], audit.VMCharDevice{Type: "redirdev", Backend: "tcp",
				Mode: "bind", Address: "0.0.0.0", Port: "4000", Protocol: "raw", TLS: "unknown", Target: "usb",
				Exposure: "network", Exposed: true})
			eq(t, "interfaces", vm.Interfaces, []audit.VMInterface{
				{Type: "direct", Source: "eno1", Mode: "bridge", Model: "e1000", TrustGuestRxFilters: true},
				{Type: "user", Model: "virtio"}})
			eq(t, "cpu nested", vm.CPU.Nested, "host_default")
		}},
		{"SPICE TLS from qemu.conf", "spice-clipboard.xml", Context{QEMUConf: confFixture(t, "hardened.conf")},
			func(t *testing.T, vm *audit.VM) {
				eq(t, "tls", vm.RemoteConsoles[0].TLS, "optional")
			}},
		{"domstatus file", "running-status.xml", Context{}, func(t *testing.T, vm *audit.VM) {
			eq(t, "state", vm.State, "running")
			c := vm.RemoteConsoles[0]
			eq(t, "empty password refuses clients", []string{c.Password, c.Auth}, []string{"empty", "refused"})
			eq(t, "label", vm.Security.Labels[0].Label, "system_u:system_r:svirt_t:s0:c392,c662")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, domainFixture(t, tt.file, tt.ctx))
		})
	}
}

// TestNormalizeNeverStoresSecrets marshals every fixture's document and
// the risky qemu.conf and looks for the secrets the fixtures hold.
func TestNormalizeNeverStoresSecrets(t *testing.T) {
	secrets := []string{"Zx9!vT2q", "hunter2-cmdline", "s3cr3tpw", "jsonsecret99", "tok-abcdef123456", "labpass1",
		"8c53a1e0-6f7b-4d4c-9a2e-1b3c5d7e9f00"}
	files, err := filepath.Glob(filepath.Join(testdata, "domains", "*.xml"))
	if err != nil || len(files) < 10 {
		t.Fatalf("fixtures: %v %v", files, err)
	}
	var docs []any
	for _, f := range files {
		docs = append(docs, domainFixture(t, filepath.Base(f), Context{SecretsVisible: true}))
	}
	docs = append(docs, confFixture(t, "risky.conf"))
	out, err := json.Marshal(docs)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if strings.Contains(string(out), s) {
			t.Errorf("secret %q in the document", s)
		}
	}
}

// TestNormalizeSnippets covers the absent-value rules on small domains.
func TestNormalizeSnippets(t *testing.T) {
	conf := DefaultQEMUConfig()
	conf.Known = true
	publicConf := conf
	publicConf.VNCListen = "0.0.0.0"
	socketConf := conf
	socketConf.VNCAutoUnixSocket = true
	tests := []struct {
		name, devices, extra string
		ctx                  Context
		check                func(t *testing.T, vm *audit.VM)
	}{
		{"empty domain", "", "", Context{}, func(t *testing.T, vm *audit.VM) {
			eq(t, "lists", []int{len(vm.RemoteConsoles), len(vm.Shares), len(vm.Passthrough), len(vm.Devices),
				len(vm.CharDevices), len(vm.Disks), len(vm.Interfaces), len(vm.Raw)}, []int{0, 0, 0, 0, 0, 0, 0, 0})
			if vm.RemoteConsoles == nil || vm.Raw == nil || vm.RawArgs == nil || vm.Security.Labels == nil ||
				vm.Clipboard.Via == nil || vm.CPU.FeaturesRequired == nil {
				t.Error("nil list or map in the document")
			}
			eq(t, "defaults", []string{vm.Security.Confined, vm.CPU.Nested, vm.Memory.PageSharing, vm.Firmware.SecureBoot,
				vm.Clipboard.Mode}, []string{"unknown", "disabled", "host_default", "no", "disabled"})
		}},
		{"listen attribute only", `<graphics type='vnc' listen='192.0.2.7'/>`, "", Context{}, func(t *testing.T, vm *audit.VM) {
			eq(t, "listen", vm.RemoteConsoles[0].Listen, []string{"192.0.2.7"})
			eq(t, "exposure", vm.RemoteConsoles[0].Exposure, "network")
		}},
		{"listen child only", `<graphics type='vnc'><listen type='address' address='::1'/></graphics>`, "", Context{},
			func(t *testing.T, vm *audit.VM) { eq(t, "exposure", vm.RemoteConsoles[0].Exposure, "loopback") }},
		{"loopback attribute, public child", `<graphics type='vnc' listen='127.0.0.1'><listen type='address' address='0.0.0.0'/></graphics>`,
			"", Context{}, func(t *testing.T, vm *audit.VM) {
				eq(t, "listen", vm.RemoteConsoles[0].Listen, []string{"127.0.0.1", "0.0.0.0"})
				eq(t, "exposure", vm.RemoteConsoles[0].Exposure, "network")
			}},
		{"IPv6 any, bracketed", `<graphics type='vnc' listen='[::]'/>`, "", Context{},
			func(t *testing.T, vm *audit.VM) { eq(t, "exposure", vm.RemoteConsoles[0].Exposure, "network") }},
		{"localhost and mapped loopback", `<graphics type='spice' listen='localhost'><listen type='address' address='::ffff:127.0.0.1'/></graphics>`,
			"", Context{}, func(t *testing.T, vm *audit.VM) { eq(t, "exposure", vm.RemoteConsoles[0].Exposure, "loopback") }},
		{"host name", `<graphics type='rdp' listen='console.example.net'/>`, "", Context{},
			func(t *testing.T, vm *audit.VM) { eq(t, "exposure", vm.RemoteConsoles[0].Exposure, "network") }},
		{"UNIX socket", `<graphics type='vnc'><listen type='socket' socket='/run/vnc.sock'/></graphics>`, "", Context{},
			func(t *testing.T, vm *audit.VM) {
				c := vm.RemoteConsoles[0]
				eq(t, "socket", []string{c.Socket, c.Exposure, c.ListenSource}, []string{"/run/vnc.sock", "local", "vm"})
			}},
		{"legacy socket attribute", `<graphics type='vnc' socket='/run/vnc2.sock'/>`, "", Context{},
			func(t *testing.T, vm *audit.VM) { eq(t, "exposure", vm.RemoteConsoles[0].Exposure, "local") }},
		{"listen none", `<graphics type='spice'><listen type='none'/></graphics>`, "", Context{},
			func(t *testing.T, vm *audit.VM) { eq(t, "exposure", vm.RemoteConsoles[0].Exposure, "none") }},
		{"no address, no qemu.conf", `<graphics type='vnc' port='-1'/>`, "", Context{}, func(t *testing.T, vm *audit.VM) {
			c := vm.RemoteConsoles[0]
			eq(t, "default", []string{c.ListenSource, c.Exposure}, []string{"host_default", "unknown"})
			eq(t, "autoport", c.AutoPort, true)
		}},
		{"no address, default qemu.conf", `<graphics type='vnc'/>`, "", Context{QEMUConf: &conf}, func(t *testing.T, vm *audit.VM) {
			c := vm.RemoteConsoles[0]
			eq(t, "default", []string{c.ListenSource, c.Exposure, c.Listen[0]}, []string{"host_config", "loopback", "127.0.0.1"})
		}},
		{"no address, public vnc_listen", `<graphics type='vnc'><listen type='address'/></graphics>`, "", Context{QEMUConf: &publicConf},
			func(t *testing.T, vm *audit.VM) { eq(t, "exposure", vm.RemoteConsoles[0].Exposure, "network") }},
		{"no address, vnc_auto_unix_socket", `<graphics type='vnc'/>`, "", Context{QEMUConf: &socketConf},
			func(t *testing.T, vm *audit.VM) { eq(t, "exposure", vm.RemoteConsoles[0].Exposure, "local") }},
		{"secure dump without passwd", `<graphics type='vnc' listen='0.0.0.0'/>`, "", Context{SecretsVisible: true},
			func(t *testing.T, vm *audit.VM) {
				eq(t, "auth", []string{vm.RemoteConsoles[0].Password, vm.RemoteConsoles[0].Auth}, []string{"not_set", "none"})
			}},
		{"SASL from qemu.conf", `<graphics type='vnc' listen='0.0.0.0'/>`, "",
			Context{SecretsVisible: true, QEMUConf: func() *audit.QEMUConfig { c := conf; c.VNCSASL = true; return &c }()},
			func(t *testing.T, vm *audit.VM) { eq(t, "auth", vm.RemoteConsoles[0].Auth, "sasl") }},
		{"SDL and D-Bus displays are not remote consoles", `<graphics type='sdl' display=':0'/><graphics type='dbus'/>`, "", Context{},
			func(t *testing.T, vm *audit.VM) { eq(t, "consoles", len(vm.RemoteConsoles), 0) }},
		{"seclabel none with a model keeps the other driver", "",
			`<seclabel type='none' model='selinux'/><seclabel type='dynamic' model='apparmor'/>`, Context{},
			func(t *testing.T, vm *audit.VM) {
				eq(t, "security", []string{vm.Security.Driver, vm.Security.Confined}, []string{"apparmor", "yes"})
			}},
		{"seclabel none, live form with model none", "", `<seclabel type='none' model='none'/>`, Context{},
			func(t *testing.T, vm *audit.VM) {
				eq(t, "security", []string{vm.Security.Driver, vm.Security.Confined}, []string{"none", "no"})
			}},
		{"static label defaults to relabel no", "", `<seclabel type='static' model='selinux'><label>system_u:system_r:svirt_t:s0:c1,c2</label></seclabel>`,
			Context{}, func(t *testing.T, vm *audit.VM) {
				eq(t, "label", vm.Security.Labels[0], audit.VMSecurityLabel{Model: "selinux", Type: "static",
					Label: "system_u:system_r:svirt_t:s0:c1,c2"})
				eq(t, "confined", vm.Security.Confined, "yes")
			}},
		{"dynamic label without model takes qemu.conf's driver", "", `<seclabel type='dynamic'/>`,
			Context{QEMUConf: func() *audit.QEMUConfig { c := conf; c.SecurityDriver = []string{"apparmor"}; return &c }()},
			func(t *testing.T, vm *audit.VM) { eq(t, "driver", vm.Security.Driver, "apparmor") }},
		{"only a DAC label: qemu.conf security_driver none", "", `<seclabel type='dynamic' model='dac'/>`,
			Context{QEMUConf: func() *audit.QEMUConfig { c := conf; c.SecurityDriver = []string{"none"}; return &c }()},
			func(t *testing.T, vm *audit.VM) {
				eq(t, "security", []string{vm.Security.Driver, vm.Security.Confined}, []string{"none", "no"})
			}},
		{"no label: security_default_confined 0", "", "",
			Context{QEMUConf: func() *audit.QEMUConfig {
				c := conf
				c.SecurityDriver, c.SecurityDefaultConfined = []string{"selinux"}, false
				return &c
			}()},
			func(t *testing.T, vm *audit.VM) {
				eq(t, "security", []string{vm.Security.Driver, vm.Security.Confined}, []string{"selinux", "no"})
			}},
		{"no label: security_driver unset depends on the host", "", "", Context{QEMUConf: &conf},
			func(t *testing.T, vm *audit.VM) { eq(t, "confined", vm.Security.Confined, "unknown") }},
		{"no label: security_driver selinux", "", "",
			Context{QEMUConf: func() *audit.QEMUConfig { c := conf; c.SecurityDriver = []string{"selinux"}; return &c }()},
			func(t *testing.T, vm *audit.VM) {
				eq(t, "security", []string{vm.Security.Driver, vm.Security.Confined}, []string{"selinux", "yes"})
			}},
		{"host-model CPU", "", `<cpu mode='host-model'/>`, Context{},
			func(t *testing.T, vm *audit.VM) { eq(t, "nested", vm.CPU.Nested, "host_default") }},
		{"host-passthrough with vmx disabled", "", `<cpu mode='host-passthrough'><feature policy='disable' name='vmx'/></cpu>`,
			Context{}, func(t *testing.T, vm *audit.VM) { eq(t, "nested", vm.CPU.Nested, "disabled") }},
		{"named model with svm, default policy", "", `<cpu><model>EPYC</model><feature name='svm'/></cpu>`, Context{},
			func(t *testing.T, vm *audit.VM) {
				eq(t, "cpu", []string{vm.CPU.Mode, vm.CPU.Model, vm.CPU.Nested}, []string{"custom", "EPYC", "enabled"})
			}},
		{"EFI picked without the secure-boot feature", "", `<os firmware='efi'><type>hvm</type></os>`, Context{},
			func(t *testing.T, vm *audit.VM) {
				eq(t, "firmware", vm.Firmware, audit.VMFirmware{Type: "efi", SecureBoot: "unknown"})
			}},
		{"pflash loader with secure boot off", "",
			`<os><type>hvm</type><loader type='pflash' secure='no'>/usr/share/OVMF/OVMF_CODE.fd</loader></os>`, Context{},
			func(t *testing.T, vm *audit.VM) {
				eq(t, "firmware", vm.Firmware, audit.VMFirmware{Type: "efi", SecureBoot: "no"})
			}},
		{"TCP chardev without mode connects out", `<serial type='tcp'><source host='192.0.2.1' service='23'/></serial>`, "",
			Context{QEMUConf: &conf}, func(t *testing.T, vm *audit.VM) {
				c := vm.CharDevices[0]
				eq(t, "tcp", []string{c.Mode, c.Exposure, c.TLS}, []string{"connect", "outbound", "no"})
			}},
		{"TCP bind without host listens everywhere", `<serial type='tcp'><source mode='bind' service='2323'/></serial>`, "",
			Context{}, func(t *testing.T, vm *audit.VM) { eq(t, "exposed", vm.CharDevices[0].Exposed, true) }},
		{"UDP connect only", `<serial type='udp'><source mode='connect' host='192.0.2.9' service='514'/></serial>`, "",
			Context{}, func(t *testing.T, vm *audit.VM) {
				c := vm.CharDevices[0]
				eq(t, "udp", []string{c.Mode, c.Address, c.Exposure}, []string{"connect", "192.0.2.9", "network"})
			}},
		{"UDP bound to loopback", `<serial type='udp'><source mode='bind' host='127.0.0.1' service='514'/><source mode='connect' host='127.0.0.1' service='515'/></serial>`,
			"", Context{}, func(t *testing.T, vm *audit.VM) { eq(t, "exposure", vm.CharDevices[0].Exposure, "loopback") }},
		{"serial without type is a pty", `<serial><target port='0'/></serial>`, "", Context{},
			func(t *testing.T, vm *audit.VM) {
				eq(t, "pty", []string{vm.CharDevices[0].Backend, vm.CharDevices[0].Exposure}, []string{"pty", "local"})
			}},
		{"unknown chardev type", `<serial type='future-thing'/>`, "", Context{},
			func(t *testing.T, vm *audit.VM) {
				eq(t, "unknown", []string{vm.CharDevices[0].Backend, vm.CharDevices[0].Exposure}, []string{"unknown", "unknown"})
			}},
		{"qemu-vdagent clipboard", `<channel type='qemu-vdagent'><source><clipboard copypaste='yes'/></source><target type='virtio' name='com.redhat.spice.0'/></channel>`,
			"", Context{}, func(t *testing.T, vm *audit.VM) {
				eq(t, "clipboard", vm.Clipboard, audit.VMDataPath{Mode: "bidirectional",
					Via: []string{"devices/channel[0]/source/clipboard/@copypaste=yes"}})
			}},
		{"filesystem without type or accessmode", `<filesystem><source dir='/var/lib/data'/><target dir='data'/></filesystem>`,
			"", Context{}, func(t *testing.T, vm *audit.VM) {
				eq(t, "share", vm.Shares[0], audit.VMShare{Type: "9p", HostPath: "/var/lib/data", Target: "data",
					Writable: true, AccessMode: "passthrough"})
			}},
		{"TPM passthrough and host smartcard", `<tpm model='tpm-tis'><backend type='passthrough'><device path='/dev/tpm0'/></backend></tpm><smartcard mode='host'/>`,
			"", Context{}, func(t *testing.T, vm *audit.VM) {
				eq(t, "passthrough", vm.Passthrough, []audit.VMPassthrough{{Type: "tpm", ID: "/dev/tpm0"}})
				eq(t, "devices", vm.Devices, []audit.VMDevice{{Class: "smartcard", Backend: "host"},
					{Class: "tpm", Model: "tpm-tis", Backend: "passthrough"}})
			}},
		{"SCSI hostdev with rawio", `<hostdev mode='subsystem' type='scsi' rawio='yes' sgio='unfiltered'><source><adapter name='scsi_host0'/><address bus='0' target='1' unit='2'/></source></hostdev>`,
			"", Context{}, func(t *testing.T, vm *audit.VM) {
				eq(t, "scsi", vm.Passthrough, []audit.VMPassthrough{{Type: "scsi", ID: "scsi_host0:0:1:2", RawIO: true, SGIO: "unfiltered"}})
			}},
		{"launch security SEV", "", `<launchSecurity type='sev'><cbitpos>47</cbitpos><reducedPhysBits>1</reducedPhysBits><policy>0x0003</policy></launchSecurity>`,
			Context{}, func(t *testing.T, vm *audit.VM) {
				eq(t, "sev", []string{vm.LaunchSecurity, vm.Raw["launchSecurity/policy"]}, []string{"sev", "0x0003"})
			}},
		{"LXC bind mount", `<filesystem type='mount'><source dir='/srv/www'/><target dir='/var/www'/></filesystem>`, "",
			Context{}, func(t *testing.T, vm *audit.VM) {
				eq(t, "share", vm.Shares[0], audit.VMShare{Type: "mount", HostPath: "/srv/www", Target: "/var/www", Writable: true})
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ := "kvm"
			if strings.HasPrefix(tt.name, "LXC") {
				typ = "lxc"
			}
			xml := "<domain type='" + typ + "'><name>snippet</name>" + tt.extra + "<devices>" + tt.devices + "</devices></domain>"
			vm, err := NormalizeXML([]byte(xml), tt.ctx)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, vm)
		})
	}
}

// TestNormalizeNilPointers feeds libvirtxml values with every optional
// pointer nil, as a caller building a Domain by hand may.
func TestNormalizeNilPointers(t *testing.T) {
	dom := &lvxml.Domain{Name: "bare", CPU: &lvxml.DomainCPU{}, OS: &lvxml.DomainOS{}, MemoryBacking: &lvxml.DomainMemoryBacking{},
		LaunchSecurity: &lvxml.DomainLaunchSecurity{}, Features: &lvxml.DomainFeatureList{KVM: &lvxml.DomainFeatureKVM{}},
		QEMUCommandline: &lvxml.DomainQEMUCommandline{}, SecLabel: []lvxml.DomainSecLabel{{}},
		Devices: &lvxml.DomainDeviceList{
			Graphics:     []lvxml.DomainGraphic{{}, {VNC: &lvxml.DomainGraphicVNC{}}, {Spice: &lvxml.DomainGraphicSpice{}}, {RDP: &lvxml.DomainGraphicRDP{Listeners: []lvxml.DomainGraphicListener{{}}}}},
			Hostdevs:     []lvxml.DomainHostdev{{}, {SubsysPCI: &lvxml.DomainHostdevSubsysPCI{}}, {SubsysUSB: &lvxml.DomainHostdevSubsysUSB{}}, {SubsysSCSI: &lvxml.DomainHostdevSubsysSCSI{}}, {SubsysSCSIHost: &lvxml.DomainHostdevSubsysSCSIHost{}}, {SubsysMDev: &lvxml.DomainHostdevSubsysMDev{}}, {CapsStorage: &lvxml.DomainHostdevCapsStorage{}}, {CapsMisc: &lvxml.DomainHostdevCapsMisc{}}, {CapsNet: &lvxml.DomainHostdevCapsNet{}}},
			Filesystems:  []lvxml.DomainFilesystem{{}, {Source: &lvxml.DomainFilesystemSource{}}},
			Disks:        []lvxml.DomainDisk{{}, {Source: &lvxml.DomainDiskSource{Network: &lvxml.DomainDiskSourceNetwork{}}}, {Source: &lvxml.DomainDiskSource{NVME: &lvxml.DomainDiskSourceNVME{}}}, {Source: &lvxml.DomainDiskSource{VHostUser: &lvxml.DomainDiskSourceVHostUser{}}}},
			Interfaces:   []lvxml.DomainInterface{{}, {Source: &lvxml.DomainInterfaceSource{Hostdev: &lvxml.DomainInterfaceSourceHostdev{}}}, {Source: &lvxml.DomainInterfaceSource{VHostUser: &lvxml.DomainInterfaceSourceVHostUser{}}}},
			Serials:      []lvxml.DomainSerial{{}},
			Parallels:    []lvxml.DomainParallel{{}},
			Consoles:     []lvxml.DomainConsole{{}},
			Channels:     []lvxml.DomainChannel{{}, {Target: &lvxml.DomainChannelTarget{}}},
			RedirDevs:    []lvxml.DomainRedirDev{{}},
			RedirFilters: []lvxml.DomainRedirFilter{{USB: []lvxml.DomainRedirFilterUSB{{}}}},
			Smartcards:   []lvxml.DomainSmartcard{{}},
			TPMs:         []lvxml.DomainTPM{{}, {Backend: &lvxml.DomainTPMBackend{Passthrough: &lvxml.DomainTPMBackendPassthrough{}}}},
			Inputs:       []lvxml.DomainInput{{}, {Source: &lvxml.DomainInputSource{}}},
			Videos:       []lvxml.DomainVideo{{}},
			Shmems:       []lvxml.DomainShmem{{}},
			IOMMUs:       []lvxml.DomainIOMMU{{}},
			Controllers:  []lvxml.DomainController{{}},
			MemBalloon:   &lvxml.DomainMemBalloon{},
			VSock:        &lvxml.DomainVSock{},
		}}
	vm := Normalize(dom, Context{})
	if vm.Name != "bare" || len(vm.RemoteConsoles) != 3 || len(vm.CharDevices) != 6 {
		t.Errorf("document %+v", vm)
	}
	if vm := Normalize(&lvxml.Domain{Name: "no devices"}, Context{}); vm.Devices == nil || vm.Hypervisor.Emulator != "" {
		t.Errorf("document %+v", vm)
	}
}
