package vbox

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// machineXML wraps Machine children in a settings file of the given
// format version.
func machineXML(version, children string) []byte {
	return []byte(`<?xml version="1.0"?>
<VirtualBox xmlns="http://www.virtualbox.org/" version="` + version + `">
  <Machine uuid="{0A1B2C3D-4E5F-4061-8273-94A5B6C7D8E9}" name="t" OSType="Debian_64">
` + children + `
  </Machine>
</VirtualBox>`)
}

func normalizeT(t *testing.T, data []byte) *audit.VM {
	t.Helper()
	vm, err := NormalizeXML(data)
	if err != nil {
		t.Fatal(err)
	}
	return vm
}

func hw(version, inner string) *audit.VM {
	vm, err := NormalizeXML(machineXML(version, "<Hardware><Memory RAMSize='1024'/>"+inner+"</Hardware>"))
	if err != nil {
		panic(err)
	}
	return vm
}

func TestIdentityAndDefaults(t *testing.T) {
	vm := hw("1.19-linux", "")
	eq(t, "identity", []string{vm.Platform, vm.Name, vm.UUID, vm.State}, []string{"virtualbox", "t", "0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9", ""})
	eq(t, "hypervisor", vm.Hypervisor, audit.VMHypervisor{Type: "virtualbox", Product: "virtualbox", Machine: "PIIX3", Arch: "x86"})
	eq(t, "clipboard", vm.Clipboard, audit.VMDataPath{Mode: "disabled", Via: []string{"Hardware/Clipboard/@mode (absent: Disabled)"}})
	eq(t, "dnd", vm.DragAndDrop, audit.VMDataPath{Mode: "disabled", Via: []string{"Hardware/DragAndDrop/@mode (absent: Disabled)"}})
	eq(t, "file transfer", vm.FileTransfer.Mode, "disabled")
	eq(t, "no console", len(vm.RemoteConsoles), 0)
	eq(t, "devices: the default VBoxVGA only", vm.Devices, []audit.VMDevice{{Class: "video", Model: "VBoxVGA"}})
	eq(t, "firmware", vm.Firmware, audit.VMFirmware{Type: "bios", SecureBoot: "no"})
	eq(t, "cpu", vm.CPU, audit.VMCPU{Nested: "disabled", FeaturesRequired: []string{}, FeaturesDisabled: []string{}})
	eq(t, "memory", vm.Memory, audit.VMMemory{PageSharing: "disabled"})
	eq(t, "security", vm.Security, audit.VMSecurity{Confined: "unknown", Labels: []audit.VMSecurityLabel{}})
	eq(t, "raw", vm.Raw, map[string]string{"/VirtualBox/@version": "1.19-linux", "@OSType": "Debian_64"})
	// Lists and maps are empty, never null.
	b, err := json.Marshal(vm)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "null") {
		t.Errorf("document has null fields: %s", b)
	}
}

// TestBothLayouts: the 7.1 Platform layout (settings 1.20) and the older
// Hardware layout give the same normalized CPU and chipset facts, and the
// most specific CPU element wins.
func TestBothLayouts(t *testing.T) {
	old := normalizeT(t, machineXML("1.19-linux", `<Hardware><Memory RAMSize="1024"/><Chipset type="ICH9"/>
      <CPU count="2"><PAE enabled="true"/><NestedHWVirt enabled="true"/></CPU></Hardware>`))
	platform := normalizeT(t, machineXML("1.20-linux", `<Hardware><Memory RAMSize="1024"/></Hardware>
      <Platform architecture="x86"><Chipset type="ICH9"/><CPU count="2"/>
        <x86><CPU><PAE enabled="true"/><NestedHWVirt enabled="true"/></CPU></x86></Platform>`))
	for name, vm := range map[string]*audit.VM{"1.19": old, "1.20": platform} {
		eq(t, name+" nested", vm.CPU.Nested, "enabled")
		eq(t, name+" pae", vm.CPU.FeaturesRequired, []string{"pae"})
		eq(t, name+" chipset", vm.Hypervisor.Machine, "ICH9")
	}
	eq(t, "1.19 raw", old.Raw["Hardware/CPU/NestedHWVirt/@enabled"], "true")
	eq(t, "1.20 raw", platform.Raw["Platform/x86/CPU/NestedHWVirt/@enabled"], "true")
	// Platform/x86/CPU before Platform/CPU before Hardware/CPU.
	vm := normalizeT(t, machineXML("1.20-linux", `<Hardware><Memory RAMSize="1024"/>
        <CPU><NestedHWVirt enabled="true"/></CPU></Hardware>
      <Platform architecture="ARM"><Chipset type="ARMv8Virtual"/><CPU><NestedHWVirt enabled="true"/></CPU>
        <x86><CPU><NestedHWVirt enabled="false"/></CPU></x86></Platform>`))
	eq(t, "precedence", vm.CPU.Nested, "disabled")
	eq(t, "arch/chipset", []string{vm.Hypervisor.Arch, vm.Hypervisor.Machine}, []string{"ARM", "ARMv8Virtual"})
}

// TestNamespaces: the VirtualBox namespace may be a prefix instead of the
// default namespace.
func TestNamespaces(t *testing.T) {
	vm := normalizeT(t, []byte(`<vbox:VirtualBox xmlns:vbox="http://www.virtualbox.org/" version="1.19-linux">
  <vbox:Machine name="prefixed" uuid="{00000000-0000-4000-8000-000000000001}" OSType="Other">
    <vbox:Hardware><vbox:Memory RAMSize="64"/>
      <vbox:SharedFolders><vbox:SharedFolder name="r" hostPath="/"/></vbox:SharedFolders></vbox:Hardware>
  </vbox:Machine></vbox:VirtualBox>`))
	eq(t, "name", vm.Name, "prefixed")
	eq(t, "share", vm.Shares[0].HostPath, "/")
	// No namespace at all is accepted too (hand-written files).
	vm = normalizeT(t, []byte(`<VirtualBox version="1.19"><Machine name="bare" uuid="{1}"/></VirtualBox>`))
	eq(t, "bare", vm.Name, "bare")
}

func TestSharedFolders(t *testing.T) {
	vm := hw("1.20-linux", `<SharedFolders>
      <SharedFolder name="root" hostPath="/" autoMount="true" autoMountPoint="/mnt/host"/>
      <SharedFolder name="ro" hostPath="/srv/ro" writable="false" symlinkPolicy="subtree"/>
      <SharedFolder name="data" hostPath="/srv/data" writable="true" symlinkPolicy="relative"/>
      <SharedFolder name="odd" hostPath="/srv/odd" writable="maybe" symlinkPolicy="sometimes"/>
    </SharedFolders>`)
	eq(t, "shares", vm.Shares, []audit.VMShare{
		{Type: "vboxsf", HostPath: "/", Target: "root", Writable: true, Symlinks: "forbidden"},
		{Type: "vboxsf", HostPath: "/srv/ro", Target: "ro", Writable: false, Symlinks: "subtree"},
		{Type: "vboxsf", HostPath: "/srv/data", Target: "data", Writable: true, Symlinks: "relative"},
		// An unparsable writable takes the (writable) default; an unknown
		// policy is not taken as safe.
		{Type: "vboxsf", HostPath: "/srv/odd", Target: "odd", Writable: true, Symlinks: "any"},
	})
	eq(t, "raw", []any{vm.Raw["Hardware/SharedFolders/SharedFolder[0]/@autoMount"], vm.Raw["Hardware/SharedFolders/SharedFolder[0]/@autoMountPoint"],
		vm.Raw["Hardware/SharedFolders/SharedFolder[1]/@writable"], vm.Raw["Hardware/SharedFolders/SharedFolder[2]/@symlinkPolicy"]},
		[]any{"true", "/mnt/host", "false", "relative"})
	if _, ok := vm.Raw["Hardware/SharedFolders/SharedFolder[0]/@writable"]; ok {
		t.Error("an absent writable attribute appears in raw")
	}
	// The extra data item that enables symlink creation widens the policy.
	vm = normalizeT(t, machineXML("1.16-linux", `<ExtraData>
      <ExtraDataItem name="VBoxInternal2/SharedFoldersEnableSymlinksCreate/v" value="1"/>
      <ExtraDataItem name="VBoxInternal2/SharedFoldersEnableSymlinksCreate/w" value="0"/></ExtraData>
      <Hardware><Memory RAMSize="64"/><SharedFolders><SharedFolder name="v" hostPath="/a"/><SharedFolder name="w" hostPath="/b"/></SharedFolders></Hardware>`))
	eq(t, "symlinks", []string{vm.Shares[0].Symlinks, vm.Shares[1].Symlinks}, []string{"any", "forbidden"})
}

func TestDataPaths(t *testing.T) {
	vm := hw("1.19-linux", `<Clipboard mode="GuestToHost" fileTransfersEnabled="true"/><DragAndDrop mode="HostToGuest"/>`)
	eq(t, "clipboard", vm.Clipboard, audit.VMDataPath{Mode: "guest_to_host", Via: []string{"Hardware/Clipboard/@mode=GuestToHost"}})
	eq(t, "dnd", vm.DragAndDrop.Mode, "host_to_guest")
	eq(t, "file transfer", vm.FileTransfer, audit.VMDataPath{Mode: "guest_to_host",
		Via: []string{"Hardware/Clipboard/@fileTransfersEnabled=true", "Hardware/Clipboard/@mode=GuestToHost"}})
	vm = hw("1.19-linux", `<Clipboard fileTransfersEnabled="true"/><DragAndDrop mode="Everywhere"/>`)
	eq(t, "transfers ride a disabled clipboard", vm.FileTransfer.Mode, "disabled")
	eq(t, "unknown mode", vm.DragAndDrop, audit.VMDataPath{Mode: "unknown", Via: []string{"Hardware/DragAndDrop/@mode=Everywhere"}})
	vm = hw("1.19-linux", `<Clipboard mode="Bidirectional" fileTransfersEnabled="perhaps"/>`)
	eq(t, "unknown transfers", vm.FileTransfer.Mode, "unknown")
}

func TestRemoteDisplay(t *testing.T) {
	console := func(version, inner string) *audit.VMConsole {
		vm := hw(version, inner)
		if len(vm.RemoteConsoles) == 0 {
			return nil
		}
		return &vm.RemoteConsoles[0]
	}
	// Defaults: 3389 on every interface, no authentication, TLS negotiated.
	eq(t, "defaults", console("1.19-linux", `<RemoteDisplay enabled="true"/>`), &audit.VMConsole{Type: "vrde",
		Listen: []string{"0.0.0.0"}, ListenSource: "vm", Port: 3389, Exposure: "network", Exposed: true,
		Password: "not_set", Auth: "none", TLS: "optional"})
	c := console("1.19-linux", `<RemoteDisplay enabled="true" authType="External"><VRDEProperties>
      <Property name="TCP/Address" value="127.0.0.1"/><Property name="TCP/Ports" value="5000-5050,6000"/>
      <Property name="Security/Method" value="TLS"/></VRDEProperties></RemoteDisplay>`)
	eq(t, "loopback external TLS", []any{c.Listen, c.Exposure, c.Exposed, c.Port, c.Auth, c.TLS},
		[]any{[]string{"127.0.0.1"}, "loopback", false, int64(5000), "external", "yes"})
	c = console("1.19-linux", `<RemoteDisplay enabled="true" authType="guest"><VRDEProperties>
      <Property name="TCP/Address" value="::1"/><Property name="Security/Method" value="RDP"/></VRDEProperties></RemoteDisplay>`)
	eq(t, "guest, plain RDP", []any{c.Exposure, c.Auth, c.TLS}, []any{"loopback", "guest", "no"})
	// A VNC password: whether it is asked for depends on the extension pack.
	c = console("1.19-linux", `<RemoteDisplay enabled="true"><VRDEProperties>
      <Property name="VNCPassword" value="hunter2"/></VRDEProperties></RemoteDisplay>`)
	eq(t, "vnc password, pack unknown", []string{c.Password, c.Auth}, []string{"set", "unknown"})
	c = console("1.19-linux", `<RemoteDisplay enabled="true" VRDEExtPack="VNC"><VRDEProperties>
      <Property name="VNCPassword" value="hunter2"/></VRDEProperties></RemoteDisplay>`)
	eq(t, "vnc password, VNC pack", []string{c.Password, c.Auth}, []string{"set", "password"})
	c = console("1.19-linux", `<RemoteDisplay enabled="true"><VRDEProperties><Property name="VNCPassword" value=""/></VRDEProperties></RemoteDisplay>`)
	eq(t, "empty vnc password", []string{c.Password, c.Auth}, []string{"empty", "none"})
	c = console("1.19-linux", `<RemoteDisplay enabled="true" authType="Kerberos"/>`)
	eq(t, "unknown auth type", c.Auth, "unknown")
	// Deprecated attributes, and the pre-5.1 default (enabled unless said).
	c = console("1.12-linux", `<RemoteDisplay port="3390" netAddress="192.0.2.7"/>`)
	eq(t, "legacy attributes, enabled by default", []any{c.Listen, c.Port, c.Exposed}, []any{[]string{"192.0.2.7"}, int64(3390), true})
	vm := hw("1.12-linux", `<RemoteDisplay port="3390" netAddress="192.0.2.7"/>`)
	eq(t, "legacy raw", []string{vm.Raw["Hardware/RemoteDisplay/@port"], vm.Raw["Hardware/RemoteDisplay/@netAddress"],
		vm.Raw["Hardware/RemoteDisplay/@enabled"]}, []string{"3390", "192.0.2.7", "true"})
	if console("1.15-linux", "") == nil {
		t.Error("settings before 1.16 without RemoteDisplay: VirtualBox enables VRDE")
	}
	if console("1.16-linux", `<RemoteDisplay authType="Null"/>`) != nil || console("1.12-linux", `<RemoteDisplay enabled="false"/>`) != nil {
		t.Error("a disabled remote display is listed")
	}
	vm = hw("1.19-linux", `<RemoteDisplay enabled="false" allowMultiConnection="true"/>`)
	eq(t, "raw of a disabled display", []string{vm.Raw["Hardware/RemoteDisplay/@enabled"], vm.Raw["Hardware/RemoteDisplay/@authType"],
		vm.Raw["Hardware/RemoteDisplay/@allowMultiConnection"]}, []string{"false", "Null", "true"})
}

// TestSecretsNeverEnterTheDocument: passwords, password hashes and URL
// credentials are redacted wherever the file holds them.
func TestSecretsNeverEnterTheDocument(t *testing.T) {
	vm := normalizeT(t, machineXML("1.19-linux", `
    <Teleporter enabled="true" port="6000" password="tele-s3cret"/>
    <ExtraData>
      <ExtraDataItem name="VBoxAuthSimple/users/admin" value="8c6976e5b5410415bde908bd4dee15dfb167a9c873fc4bb8a81f6f2ab448a918"/>
      <ExtraDataItem name="Custom/DBPassword" value="db-s3cret"/>
      <ExtraDataItem name="Custom/Proxy" value="http://bob:proxy-s3cret@proxy.example:3128/"/>
      <ExtraDataItem name="GUI/LastCloseAction" value="PowerOff"/>
    </ExtraData>
    <Hardware><Memory RAMSize="64"/>
      <RemoteDisplay enabled="true"><VRDEProperties><Property name="VNCPassword" value="vnc-s3cret"/></VRDEProperties></RemoteDisplay>
      <GuestProperties>
        <GuestProperty name="/Custom/ApiToken" value="token-s3cret" timestamp="1" flags=""/>
        <GuestProperty name="/VirtualBox/GuestAdd/Version" value="7.0.20" timestamp="1" flags=""/>
      </GuestProperties>
    </Hardware>`))
	b, err := json.Marshal(vm)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"tele-s3cret", "8c6976e5b541", "db-s3cret", "proxy-s3cret", "vnc-s3cret", "token-s3cret"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("document holds %q: %s", secret, b)
		}
	}
	eq(t, "redacted", []string{vm.Raw["Teleporter/@password"],
		vm.Raw["ExtraData/ExtraDataItem[@name='VBoxAuthSimple/users/admin']/@value"],
		vm.Raw["Hardware/RemoteDisplay/VRDEProperties/Property[@name='VNCPassword']/@value"],
		vm.Raw["Hardware/GuestProperties/GuestProperty[@name='/Custom/ApiToken']/@value"],
		vm.Raw["ExtraData/ExtraDataItem[@name='Custom/Proxy']/@value"]},
		[]string{"[redacted]", "[redacted]", "[redacted]", "[redacted]", "http://bob:[redacted]@proxy.example:3128/"})
	eq(t, "kept", []string{vm.Raw["ExtraData/ExtraDataItem[@name='GUI/LastCloseAction']/@value"],
		vm.Raw["Hardware/GuestProperties/GuestProperty[@name='/VirtualBox/GuestAdd/Version']/@value"], vm.Raw["Teleporter/@enabled"]},
		[]string{"PowerOff", "7.0.20", "true"})
}

func TestUSB(t *testing.T) {
	filters := `<DeviceFilters>
        <DeviceFilter name="all" active="true"/>
        <DeviceFilter name="stick" active="true" vendorId="0781" productId="5583"/>
        <DeviceFilter name="vendor" active="true" vendorId="046D" manufacturer="Logitech"/>
        <DeviceFilter name="key" active="true" serialNumber="4C530001"/>
        <DeviceFilter name="off" active="false"/>
      </DeviceFilters>`
	vm := hw("1.19-linux", `<USB><Controllers><Controller name="xHCI" type="XHCI"/></Controllers>`+filters+`</USB>`)
	var ids []string
	for _, p := range vm.Passthrough {
		ids = append(ids, p.Type+" "+p.ID)
	}
	eq(t, "filters", ids, []string{"usb *:*", "usb 0781:5583", "usb 046d:* manufacturer=Logitech", "usb *:* serial=4C530001"})
	eq(t, "controller", vm.Devices[1], audit.VMDevice{Class: "usb_controller", Model: "XHCI"})
	// Without a controller the filters capture nothing.
	vm = hw("1.19-linux", `<USB>`+filters+`</USB>`)
	eq(t, "no controller", len(vm.Passthrough), 0)
	// The pre-1.15 USBController, which VirtualBox ignores in newer files.
	legacy := `<USBController enabled="true" enabledEhci="true"><DeviceFilter name="all" active="true"/></USBController>`
	vm = hw("1.14-linux", legacy)
	// (Audio is on by default in these old formats, hence devices[3].)
	eq(t, "legacy", []any{vm.Devices[1:3], vm.Passthrough[0].ID},
		[]any{[]audit.VMDevice{{Class: "usb_controller", Model: "OHCI"}, {Class: "usb_controller", Model: "EHCI"}}, "*:*"})
	vm = hw("1.15-linux", legacy)
	eq(t, "legacy element in a new file", []any{vm.Devices[1].Class, len(vm.Passthrough)}, []any{"sound", 0})
}

func TestPCIAndDisks(t *testing.T) {
	vm := normalizeT(t, machineXML("1.19-linux", `
    <MediaRegistry><HardDisks>
      <HardDisk uuid="{aaaaaaaa-0000-4000-8000-000000000001}" location="base.vdi" format="VDI" type="Immutable">
        <HardDisk uuid="{AAAAAAAA-0000-4000-8000-000000000002}" location="Snapshots/diff.vdi" format="VDI"/>
      </HardDisk>
      <HardDisk uuid="{aaaaaaaa-0000-4000-8000-000000000003}" location="shared.vdi" format="VDI" type="Shareable"/>
    </HardDisks></MediaRegistry>
    <Hardware><Memory RAMSize="64"/><HostPci><Devices><Device host="0x0310" guest="1280"/><Device host="bogus" guest="1"/></Devices></HostPci></Hardware>
    <StorageControllers>
      <StorageController name="SATA" type="AHCI" PortCount="4">
        <AttachedDevice type="HardDisk" port="0" device="0"><Image uuid="{aaaaaaaa-0000-4000-8000-000000000002}"/></AttachedDevice>
        <AttachedDevice type="HardDisk" port="1" device="0"><Image uuid="{aaaaaaaa-0000-4000-8000-000000000003}"/></AttachedDevice>
        <AttachedDevice type="HardDisk" port="2" device="0"><Image uuid="{aaaaaaaa-0000-4000-8000-000000000001}"/></AttachedDevice>
        <AttachedDevice type="DVD" passthrough="true" port="3" device="0"><HostDrive src="/dev/sr0"/></AttachedDevice>
      </StorageController>
      <StorageController name="Floppy" type="I82078" PortCount="1">
        <AttachedDevice type="Floppy" port="0" device="0"><Image uuid="{bbbbbbbb-0000-4000-8000-000000000009}"/></AttachedDevice>
      </StorageController>
    </StorageControllers>`))
	eq(t, "pci", []string{vm.Passthrough[0].ID, vm.Passthrough[1].ID}, []string{"0000:03:02.0", "bogus"})
	type d struct {
		device, typ, source, target, bus string
		host, ro, shareable, transient   bool
	}
	var got []d
	for _, x := range vm.Disks {
		got = append(got, d{x.Device, x.Type, x.Source, x.Target, x.Bus, x.HostDevice, x.ReadOnly, x.Shareable, x.Transient})
	}
	eq(t, "disks", got, []d{
		{"disk", "file", "Snapshots/diff.vdi", "SATA:0:0", "sata", false, false, false, false},
		{"disk", "file", "shared.vdi", "SATA:1:0", "sata", false, false, true, false},
		{"disk", "file", "base.vdi", "SATA:2:0", "sata", false, false, false, true},
		{"cdrom", "host", "/dev/sr0", "SATA:3:0", "sata", true, true, false, false},
		// A medium of the global registry: its UUID.
		{"floppy", "file", "{bbbbbbbb-0000-4000-8000-000000000009}", "Floppy:0:0", "fdc", false, false, false, false},
	})
	eq(t, "floppy controller", vm.Devices[1], audit.VMDevice{Class: "floppy", Model: "I82078"})
}

// TestLegacyDrives: DVDDrive and FloppyDrive count only in settings before
// format 1.9, and the floppy only with enabled="true".
func TestLegacyDrives(t *testing.T) {
	drives := `<DVDDrive passthrough="true"><HostDrive src="/dev/scd0"/></DVDDrive><FloppyDrive enabled="true"/>`
	vm := hw("1.7-linux", drives)
	eq(t, "1.7 disks", len(vm.Disks), 1)
	eq(t, "1.7 dvd", []any{vm.Disks[0].Device, vm.Disks[0].Source, vm.Disks[0].HostDevice}, []any{"cdrom", "/dev/scd0", true})
	eq(t, "1.7 floppy", vm.Devices[len(vm.Devices)-1], audit.VMDevice{Class: "floppy"})
	vm = hw("1.7-linux", `<FloppyDrive/>`)
	eq(t, "floppy without enabled", len(vm.Devices), 2) // video, sound (on by default before 1.16)
	vm = hw("1.9-linux", drives)
	eq(t, "1.9 ignores them", []int{len(vm.Disks), len(vm.Devices)}, []int{0, 2})
}

func TestAudioDefaultsByVersion(t *testing.T) {
	sound := func(version, inner string) (bool, string) {
		vm := hw(version, inner)
		for _, d := range vm.Devices {
			if d.Class == "sound" {
				return true, vm.Raw["Hardware/AudioAdapter/@enabledIn"]
			}
		}
		return false, vm.Raw["Hardware/AudioAdapter/@enabledIn"]
	}
	for _, tt := range []struct {
		version, inner string
		on             bool
		in             string
	}{
		{"1.15-linux", ``, true, "true"},
		{"1.15-linux", `<AudioAdapter driver="Pulse"/>`, true, "true"},
		{"1.16-linux", `<AudioAdapter driver="Pulse"/>`, false, ""},
		{"1.16-linux", `<AudioAdapter driver="Pulse" enabled="true"/>`, true, "true"},
		{"1.17-linux", `<AudioAdapter driver="Pulse" enabled="true"/>`, true, "false"},
		{"1.19-linux", `<AudioAdapter driver="Pulse" enabled="true" enabledIn="true"/>`, true, "true"},
	} {
		on, in := sound(tt.version, tt.inner)
		eq(t, tt.version+" "+tt.inner, []any{on, in}, []any{tt.on, tt.in})
	}
	vm := hw("1.19-linux", `<AudioAdapter controller="SB16" enabled="true"/>`)
	eq(t, "sound device", vm.Devices[1], audit.VMDevice{Class: "sound", Model: "SB16", Backend: "Null"})
}

func TestCharDevices(t *testing.T) {
	vm := hw("1.19-linux", `<UART>
      <Port slot="0" enabled="true" IRQ="4" hostMode="TCP" path="2023" server="true"/>
      <Port slot="1" enabled="true" IRQ="3" hostMode="TCP" path="127.0.0.1:2024" server="true"/>
      <Port slot="2" enabled="true" IRQ="4" hostMode="TCP" path="logs.example.net:514"/>
      <Port slot="3" enabled="true" IRQ="3" hostMode="HostDevice" path="/dev/ttyS0"/>
      <Port slot="4" enabled="true" IRQ="3" hostMode="Disconnected"/>
      <Port slot="5" enabled="false" IRQ="3" hostMode="HostPipe" path="/tmp/p"/>
    </UART><LPT><Port slot="0" enabled="true" IRQ="7" IOBase="0x378"/></LPT>`)
	type c struct{ typ, backend, mode, addr, port, path, exposure string }
	var got []c
	for _, x := range vm.CharDevices {
		got = append(got, c{x.Type, x.Backend, x.Mode, x.Address, x.Port, x.Path, x.Exposure})
		if x.Exposed != (x.Exposure == "network") {
			t.Errorf("%+v: exposed does not match exposure", x)
		}
	}
	eq(t, "char devices", got, []c{
		{"serial", "tcp", "bind", "", "2023", "", "network"},
		{"serial", "tcp", "bind", "127.0.0.1", "2024", "", "loopback"},
		{"serial", "tcp", "connect", "logs.example.net", "514", "", "outbound"},
		{"serial", "dev", "", "", "", "/dev/ttyS0", "local"},
		{"serial", "null", "", "", "", "", "none"},
		{"parallel", "null", "", "", "", "", "none"},
	})
	eq(t, "parallel device", vm.Devices[1], audit.VMDevice{Class: "parallel"})
}

func TestNetwork(t *testing.T) {
	vm := hw("1.19-linux", `<Network>
      <Adapter slot="0" enabled="true" type="virtio"><NAT><Forwarding name="web" proto="1" hostport="8080" guestport="80"/></NAT></Adapter>
      <Adapter slot="1" enabled="false" promiscuousModePolicy="AllowAll"><BridgedInterface name="eth0"/></Adapter>
      <Adapter slot="2" enabled="true" promiscuousModePolicy="AllowNetwork"><InternalNetwork name="lab"/></Adapter>
      <Adapter slot="3" enabled="true"/>
    </Network>`)
	eq(t, "interfaces", vm.Interfaces, []audit.VMInterface{
		{Type: "NAT", Model: "virtio"},
		{Type: "InternalNetwork", Source: "lab", Model: "Am79C973", TrustGuestRxFilters: true},
		{Type: "Null", Model: "Am79C973"},
	})
	for k, want := range map[string]string{
		"Hardware/Network/Adapter[0]/NAT/@localhost-reachable":     "true",
		"Hardware/Network/Adapter[0]/NAT/Forwarding[0]/@hostip":    "",
		"Hardware/Network/Adapter[0]/NAT/Forwarding[0]/@hostport":  "8080",
		"Hardware/Network/Adapter[0]/@promiscuousModePolicy":       "Deny",
		"Hardware/Network/Adapter[2]/@promiscuousModePolicy":       "AllowNetwork",
		"Hardware/Network/Adapter[0]/NAT/Forwarding[0]/@guestport": "80",
		"Hardware/Network/Adapter[0]/NAT/Forwarding[0]/@name":      "web",
		"Hardware/Network/Adapter[0]/NAT/Forwarding[0]/@proto":     "1",
		"Hardware/Network/Adapter[0]/NAT/Forwarding[0]/@guestip":   "",
		"Hardware/Network/Adapter[3]/@promiscuousModePolicy":       "Deny",
	} {
		if got := vm.Raw[k]; got != want {
			t.Errorf("raw %s = %q, want %q", k, got, want)
		}
	}
	for _, k := range []string{"Hardware/Network/Adapter[1]/@promiscuousModePolicy", "Hardware/Network/Adapter[2]/NAT/@localhost-reachable"} {
		if _, ok := vm.Raw[k]; ok {
			t.Errorf("raw has %s (a disabled adapter, or one not on NAT)", k)
		}
	}
}

func TestMiscHardware(t *testing.T) {
	vm := hw("1.19-linux", `<Display controller="VMSVGA" accelerate3D="true"/><Memory PageFusion="true"/><Firmware type="EFI64"/>
      <EmulatedUSB><Webcam enabled="true"/><CardReader/></EmulatedUSB><Iommu type="AMD"/><Paravirt provider="KVM"/>`)
	eq(t, "3d", vm.Accel3D, true)
	eq(t, "page fusion", vm.Memory.PageSharing, "enabled")
	eq(t, "efi", vm.Firmware, audit.VMFirmware{Type: "efi", SecureBoot: "unknown"})
	eq(t, "devices", vm.Devices, []audit.VMDevice{{Class: "video", Model: "VMSVGA"}, {Class: "iommu", Model: "AMD"}})
	eq(t, "raw", []string{vm.Raw["Hardware/EmulatedUSB/Webcam/@enabled"], vm.Raw["Hardware/EmulatedUSB/CardReader/@enabled"],
		vm.Raw["Hardware/Paravirt/@provider"]}, []string{"true", "false", "KVM"})
	vm = hw("1.4-linux", `<Display Accelerate3D="true"/>`)
	eq(t, "pre-1.5 attribute", vm.Accel3D, true)
	vm = hw("1.19-linux", `<Firmware type="2"/>`)
	eq(t, "numeric firmware", vm.Firmware.Type, "efi")
}

func TestFormatMinor(t *testing.T) {
	for in, want := range map[string]int{"1.19-linux": 19, "1.7-windows": 7, "1.20": 20, "": currentFormat,
		"2.1-linux": currentFormat, "x": currentFormat, "1.x-linux": currentFormat} {
		eq(t, in, formatMinor(in), want)
	}
}

// TestFixtureFilesNormalize: every .vbox of testdata/vbox normalizes, and
// the 7.1 file reads its CPU from the Platform layout.
func TestFixtureFilesNormalize(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testdata, "*.vbox"))
	if len(files) < 10 {
		t.Fatalf("%d fixture files", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		vm, err := NormalizeXML(data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if filepath.Base(f) == "platform-71.vbox" {
			eq(t, "7.1 nested", []string{vm.CPU.Nested, vm.Hypervisor.Machine}, []string{"enabled", "ICH9"})
		}
	}
}
