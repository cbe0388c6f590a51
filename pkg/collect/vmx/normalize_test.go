package vmx

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

const testdata = "../../../testdata/vmx"

// fixture normalizes one file of testdata/vmx.
func fixture(t *testing.T, name string) *audit.VM {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testdata, name))
	if err != nil {
		t.Fatal(err)
	}
	vm, _ := normalizeString(t, string(data))
	return vm
}

// normalizeString normalizes an inline .vmx and checks the document
// invariants: platform, non-nil lists and maps, no secret values.
func normalizeString(t *testing.T, vmx string) (*audit.VM, []string) {
	t.Helper()
	vm, notes, err := NormalizeVMX([]byte(vmx), Context{FallbackName: "fallback"})
	if err != nil {
		t.Fatal(err)
	}
	if vm.Platform != "vmware" || vm.Hypervisor.Type != "vmware" {
		t.Errorf("platform %q hypervisor %q", vm.Platform, vm.Hypervisor.Type)
	}
	if vm.RemoteConsoles == nil || vm.Shares == nil || vm.Passthrough == nil || vm.Devices == nil ||
		vm.CharDevices == nil || vm.Disks == nil || vm.Interfaces == nil || vm.Raw == nil || vm.RawArgs == nil ||
		vm.RawEnvNames == nil || vm.Security.Labels == nil || vm.CPU.FeaturesRequired == nil ||
		vm.CPU.FeaturesDisabled == nil || vm.Clipboard.Via == nil || vm.DragAndDrop.Via == nil || vm.FileTransfer.Via == nil {
		t.Errorf("nil list or map in %+v", vm)
	}
	return vm, notes
}

func console(listen, exposure, password, auth string, port int64) audit.VMConsole {
	return audit.VMConsole{Type: "vnc", Listen: []string{listen}, ListenSource: "vm", Port: port, Exposure: exposure,
		Exposed: exposure == "network", Password: password, Auth: auth, TLS: "no"}
}

func TestHardenedFixture(t *testing.T) {
	vm := fixture(t, "hardened.vmx")
	eq(t, "identity", []string{vm.Name, vm.UUID, vm.State, vm.Hypervisor.HardwareVersion},
		[]string{"hardened", "421e6a0c-3b2d-4c5e-9a7b-1d2e3f405162", "", "21"})
	eq(t, "consoles", vm.RemoteConsoles, []audit.VMConsole{})
	eq(t, "shares", vm.Shares, []audit.VMShare{})
	eq(t, "clipboard", vm.Clipboard, audit.VMDataPath{Mode: "disabled",
		Via: []string{"isolation.tools.copy.disable=TRUE", "isolation.tools.paste.disable=TRUE"}})
	eq(t, "dnd", vm.DragAndDrop, audit.VMDataPath{Mode: "disabled", Via: []string{"isolation.tools.dnd.disable=TRUE"}})
	eq(t, "file transfer", vm.FileTransfer, audit.VMDataPath{Mode: "disabled", Via: []string{}})
	eq(t, "devices", vm.Devices, []audit.VMDevice{{Class: "video", Model: "svga"}, {Class: "vsock", Model: "vmci"}})
	eq(t, "disks", vm.Disks, []audit.VMDisk{
		{Device: "cdrom", Type: "file", Source: "/vmfs/volumes/datastore1/iso/ubuntu-24.04-live-server-amd64.iso", Target: "sata0:0", Bus: "sata"},
		{Device: "disk", Type: "file", Source: "hardened.vmdk", Target: "scsi0:0", Bus: "scsi"}})
	eq(t, "interfaces", vm.Interfaces, []audit.VMInterface{{Type: "bridged", Source: "VM Network", Model: "vmxnet3"}})
	eq(t, "security", vm.Security, audit.VMSecurity{Confined: "unknown", Labels: []audit.VMSecurityLabel{}})
	eq(t, "cpu", vm.CPU.Nested, "disabled")
	eq(t, "firmware", vm.Firmware, audit.VMFirmware{Type: "efi", SecureBoot: "yes"})
	eq(t, "memory", vm.Memory, audit.VMMemory{PageSharing: "host_default"})
	eq(t, "flags", []bool{vm.Accel3D, vm.HostInfoExposed}, []bool{false, false})
	eq(t, "raw keys are lower case, booleans TRUE/FALSE", []string{vm.Raw["isolation.tools.setguioptions.enable"],
		vm.Raw["remotedisplay.maxconnections"], vm.Raw["scsi0:0.filename"]}, []string{"FALSE", "1", "hardened.vmdk"})
	eq(t, "secrets", []string{vm.Raw["annotation"], vm.Raw["guestinfo.metadata"]}, []string{audit.Redacted, audit.Redacted})
}

func TestVNCConsoles(t *testing.T) {
	eq(t, "no password, every interface", fixture(t, "vnc-nopass.vmx").RemoteConsoles,
		[]audit.VMConsole{console("0.0.0.0", "network", "not_set", "none", 5901)})
	tests := []struct {
		name, vmx string
		want      []audit.VMConsole
	}{
		{"disabled", `RemoteDisplay.vnc.enabled = "FALSE"` + "\nRemoteDisplay.vnc.port = \"5900\"", []audit.VMConsole{}},
		{"password", "RemoteDisplay.vnc.enabled = \"true\"\nRemoteDisplay.vnc.password = \"hunter22\"\nRemoteDisplay.vnc.ip = \"10.0.0.5\"",
			[]audit.VMConsole{console("10.0.0.5", "network", "set", "password", 0)}},
		{"obfuscated key", "RemoteDisplay.vnc.enabled = \"TRUE\"\nRemoteDisplay.vnc.key = \"AQAAAGK5gd1bgV\"",
			[]audit.VMConsole{console("0.0.0.0", "network", "set", "password", 0)}},
		{"empty password", "RemoteDisplay.vnc.enabled = \"TRUE\"\nRemoteDisplay.vnc.password = \"\"",
			[]audit.VMConsole{console("0.0.0.0", "network", "empty", "none", 0)}},
		{"loopback", "RemoteDisplay.vnc.enabled = \"TRUE\"\nRemoteDisplay.vnc.ip = \"127.0.0.1\"\nRemoteDisplay.vnc.port = \"5910\"",
			[]audit.VMConsole{console("127.0.0.1", "loopback", "not_set", "none", 5910)}},
		{"localhost", "RemoteDisplay.vnc.enabled = \"TRUE\"\nRemoteDisplay.vnc.ip = \"localhost\"",
			[]audit.VMConsole{console("localhost", "loopback", "not_set", "none", 0)}},
		{"IPv6 loopback", "RemoteDisplay.vnc.enabled = \"TRUE\"\nRemoteDisplay.vnc.ip = \"::1\"",
			[]audit.VMConsole{console("::1", "loopback", "not_set", "none", 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vm, _ := normalizeString(t, tt.vmx)
			eq(t, "consoles", vm.RemoteConsoles, tt.want)
			if b, _ := json.Marshal(vm); strings.Contains(string(b), "hunter22") || strings.Contains(string(b), "AQAAAGK5gd1bgV") {
				t.Errorf("the document holds a VNC secret: %s", b)
			}
		})
	}
}

func TestShares(t *testing.T) {
	vm := fixture(t, "share-root-writable.vmx")
	eq(t, "shares", vm.Shares, []audit.VMShare{
		{Type: "hgfs", HostPath: "/", Target: "host-root", Writable: true},
		{Type: "hgfs", HostPath: "/srv/builds", Target: "builds", Writable: false}})
	eq(t, "raw HGFS switches", []string{vm.Raw["isolation.tools.hgfs.disable"], vm.Raw["hgfs.maprootshare"]}, []string{"FALSE", "TRUE"})
	share := "sharedFolder0.present = \"TRUE\"\nsharedFolder0.enabled = \"TRUE\"\nsharedFolder0.hostPath = \"C:\\Users\\ana\"\n" +
		"sharedFolder0.guestName = \"ana\"\n"
	tests := []struct {
		name, vmx string
		want      []audit.VMShare
	}{
		{"HGFS switch absent: listed, read-only by default", share,
			[]audit.VMShare{{Type: "hgfs", HostPath: `C:\Users\ana`, Target: "ana"}}},
		{"HGFS disabled", share + "isolation.tools.hgfs.disable = \"TRUE\"", []audit.VMShare{}},
		{"not enabled", strings.Replace(share, "enabled = \"TRUE\"", "enabled = \"FALSE\"", 1), []audit.VMShare{}},
		{"not present", strings.Replace(share, "present = \"TRUE\"", "present = \"FALSE\"", 1), []audit.VMShare{}},
		{"writable", share + "sharedFolder0.writeAccess = \"yes\"\nisolation.tools.hgfs.disable = \"FALSE\"",
			[]audit.VMShare{{Type: "hgfs", HostPath: `C:\Users\ana`, Target: "ana", Writable: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vm, _ := normalizeString(t, tt.vmx)
			eq(t, "shares", vm.Shares, tt.want)
		})
	}
}

func TestDataPaths(t *testing.T) {
	vm := fixture(t, "copy-paste.vmx")
	eq(t, "clipboard", vm.Clipboard, audit.VMDataPath{Mode: "bidirectional",
		Via: []string{"isolation.tools.copy.disable=FALSE", "isolation.tools.paste.disable=FALSE"}})
	eq(t, "dnd", vm.DragAndDrop.Mode, "bidirectional")
	eq(t, "raw spelled as VMware reads it", []string{vm.Raw["isolation.tools.copy.disable"], vm.Raw["isolation.tools.paste.disable"]},
		[]string{"FALSE", "FALSE"})
	hosted := fixture(t, "share-root-writable.vmx")
	eq(t, "hosted product, keys absent", []string{hosted.Clipboard.Mode, hosted.DragAndDrop.Mode}, []string{"unknown", "unknown"})
	eq(t, "hosted via", hosted.DragAndDrop.Via, []string{"isolation.tools.dnd.disable (absent: hosted product default)"})
	tests := []struct{ vmx, clipboard, dnd string }{
		{"config.version = \"8\"", "disabled", "disabled"},
		{"isolation.tools.copy.disable = \"FALSE\"", "guest_to_host", "disabled"},
		{"isolation.tools.paste.disable = \"0\"", "host_to_guest", "disabled"},
		{"isolation.tools.paste.disable = \"TRUE\"\nvirtualHW.productCompatibility = \"hosted\"", "unknown", "unknown"},
		{"isolation.tools.copy.disable = \"TRUE\"\nisolation.tools.paste.disable = \"TRUE\"\nisolation.tools.dnd.disable = \"TRUE\"\n" +
			"virtualHW.productCompatibility = \"hosted\"", "disabled", "disabled"},
		// An empty value is TRUE for VMware.
		{"isolation.tools.dnd.disable = \"\"", "disabled", "disabled"},
	}
	for _, tt := range tests {
		vm, _ := normalizeString(t, tt.vmx)
		eq(t, tt.vmx, []string{vm.Clipboard.Mode, vm.DragAndDrop.Mode}, []string{tt.clipboard, tt.dnd})
	}
}

// TestBooleanWords: a word VMware does not read as a boolean counts as
// FALSE, as VMware itself reads it, with a note; here that opens the
// clipboard.
func TestBooleanWords(t *testing.T) {
	vm, notes := normalizeString(t, "config.version = \"8\"\nisolation.tools.copy.disable = \"disabled\"\n")
	eq(t, "raw", vm.Raw["isolation.tools.copy.disable"], "FALSE")
	eq(t, "clipboard", vm.Clipboard.Mode, "guest_to_host")
	eq(t, "notes", notes, []string{"line 2: isolation.tools.copy.disable is not a boolean word; VMware reads it as FALSE"})
}

func TestLegacyDevices(t *testing.T) {
	vm := fixture(t, "legacy-devices.vmx")
	eq(t, "devices", vm.Devices, []audit.VMDevice{{Class: "video", Model: "svga"}, {Class: "floppy"},
		{Class: "usb_controller", Model: "uhci"}, {Class: "usb_controller", Model: "ehci"}, {Class: "usb_controller", Model: "xhci"},
		{Class: "sound", Model: "hdaudio"}, {Class: "parallel"}, {Class: "vsock", Model: "vmci"}})
	eq(t, "char devices", vm.CharDevices, []audit.VMCharDevice{{Type: "parallel", Backend: "file",
		Path: `C:\Users\builder\lpt1.txt`, Exposure: "local"}})
	eq(t, "disks", vm.Disks, []audit.VMDisk{
		{Device: "disk", Type: "file", Source: "legacy-xp.vmdk", Target: "ide0:0", Bus: "ide"},
		{Device: "cdrom", Type: "device", Source: "auto detect", Target: "ide1:0", Bus: "ide", HostDevice: true},
		{Device: "floppy", Type: "file", Source: "drivers.flp", Target: "floppy0", Bus: "fdc"}})
	eq(t, "no shares with HGFS off", vm.Shares, []audit.VMShare{})
	eq(t, "firmware absent", vm.Firmware, audit.VMFirmware{Type: "", SecureBoot: "no"})
	eq(t, "interface", vm.Interfaces, []audit.VMInterface{{Type: "bridged", Model: "e1000"}})
}

func TestPassthrough(t *testing.T) {
	vm := fixture(t, "passthrough.vmx")
	eq(t, "passthrough", vm.Passthrough, []audit.VMPassthrough{{Type: "pci", ID: "00000:059:00.0"},
		{Type: "pci", ID: "8086:1572"}, {Type: "usb", ID: "1050:0407"}})
	vm, _ = normalizeString(t, "usb.autoConnect.device0 = \"path:1/0/2 autoclean:1\"\npciPassthru0.present = \"FALSE\"\n"+
		"pciPassthru0.id = \"0000:03:00.0\"\nscsi0:1.present = \"TRUE\"\nscsi0:1.deviceType = \"scsi-passthru\"\n"+
		"scsi0:1.fileName = \"/vmfs/devices/genscsi/naa.600\"\nscsi0:2.present = \"TRUE\"\nscsi0:2.deviceType = \"scsi-passthru\"\n"+
		"scsi0:2.fileName = \"/vmfs/devices/cdrom/mpx.vmhba0:C0:T0:L0\"")
	eq(t, "other forms", vm.Passthrough, []audit.VMPassthrough{{Type: "usb", ID: "path:1/0/2 autoclean:1"},
		{Type: "scsi", ID: "/vmfs/devices/genscsi/naa.600"}})
	eq(t, "host CD by scsi-passthru", vm.Disks, []audit.VMDisk{{Device: "cdrom", Type: "device",
		Source: "/vmfs/devices/cdrom/mpx.vmhba0:C0:T0:L0", Target: "scsi0:2", Bus: "scsi", HostDevice: true}})
}

func TestCharDevices(t *testing.T) {
	vm := fixture(t, "serial-network.vmx")
	eq(t, "fixture", vm.CharDevices, []audit.VMCharDevice{
		{Type: "serial", Backend: "tcp", Mode: "bind", Address: "0.0.0.0", Port: "42001", Protocol: "telnet", TLS: "no",
			Exposure: "network", Exposed: true},
		{Type: "serial", Backend: "pipe", Path: "/tmp/net-appliance.com2", Exposure: "local"}})
	eq(t, "transient disk", vm.Disks[0].Transient, true)
	tests := []struct {
		name, vmx string
		want      audit.VMCharDevice
	}{
		{"client", "serial0.fileType = \"network\"\nserial0.fileName = \"telnet://10.1.1.1:7000\"\nserial0.network.endPoint = \"client\"",
			audit.VMCharDevice{Type: "serial", Backend: "tcp", Mode: "connect", Address: "10.1.1.1", Port: "7000", Protocol: "telnet", TLS: "no", Exposure: "outbound"}},
		{"vSPC", "serial0.fileType = \"network\"\nserial0.fileName = \"telnet://:9000\"\nserial0.vspc = \"telnets://vspc.example.com:13370\"",
			audit.VMCharDevice{Type: "serial", Backend: "tcp", Mode: "connect", Address: "vspc.example.com", Port: "13370", Protocol: "telnets", TLS: "yes", Exposure: "outbound"}},
		{"all interfaces, no host", "serial0.fileType = \"network\"\nserial0.fileName = \"telnet://:42001\"",
			audit.VMCharDevice{Type: "serial", Backend: "tcp", Mode: "bind", Port: "42001", Protocol: "telnet", TLS: "no", Exposure: "network", Exposed: true}},
		{"loopback raw TCP", "serial0.fileType = \"network\"\nserial0.fileName = \"tcp://127.0.0.1:9000\"",
			audit.VMCharDevice{Type: "serial", Backend: "tcp", Mode: "bind", Address: "127.0.0.1", Port: "9000", Protocol: "raw", TLS: "no", Exposure: "loopback"}},
		{"IPv6 TLS", "serial0.fileType = \"network\"\nserial0.fileName = \"ssl://[::]:9001\"",
			audit.VMCharDevice{Type: "serial", Backend: "tcp", Mode: "bind", Address: "::", Port: "9001", Protocol: "tls", TLS: "yes", Exposure: "network", Exposed: true}},
		{"host device", "serial0.fileType = \"device\"\nserial0.fileName = \"/dev/ttyS0\"",
			audit.VMCharDevice{Type: "serial", Backend: "dev", Path: "/dev/ttyS0", Exposure: "local"}},
		{"file", "serial0.fileType = \"file\"\nserial0.fileName = \"serial0.log\"",
			audit.VMCharDevice{Type: "serial", Backend: "file", Path: "serial0.log", Exposure: "local"}},
		{"ThinPrint", "serial0.fileType = \"thinprint\"",
			audit.VMCharDevice{Type: "serial", Backend: "unknown", Exposure: "unknown"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vm, _ := normalizeString(t, "serial0.present = \"TRUE\"\n"+tt.vmx)
			eq(t, "char devices", vm.CharDevices, []audit.VMCharDevice{tt.want})
		})
	}
	vm, _ = normalizeString(t, "serial0.present = \"FALSE\"\nserial0.fileType = \"device\"\nserial0.fileName = \"/dev/ttyS0\"")
	eq(t, "not present", vm.CharDevices, []audit.VMCharDevice{})
}

func TestNestedFixture(t *testing.T) {
	vm := fixture(t, "nested.vmx")
	eq(t, "cpu", vm.CPU, audit.VMCPU{Nested: "enabled", FeaturesRequired: []string{}, FeaturesDisabled: []string{}})
	eq(t, "flags", []bool{vm.Accel3D, vm.HostInfoExposed}, []bool{true, true})
	eq(t, "memory", vm.Memory.PageSharing, "enabled")
	eq(t, "firmware", vm.Firmware, audit.VMFirmware{Type: "efi", SecureBoot: "no"})
	eq(t, "iommu and vmci", vm.Devices, []audit.VMDevice{{Class: "video", Model: "svga"}, {Class: "vsock", Model: "vmci"},
		{Class: "iommu", Model: "vvtd"}})
	eq(t, "hardware version", vm.Hypervisor.HardwareVersion, "13")
	eq(t, "raw", []string{vm.Raw["vmci0.unrestricted"], vm.Raw["hypervisor.cpuid.v0"], vm.Raw["sched.mem.pshare.salt"]},
		[]string{"TRUE", "FALSE", "lab"})
}

func TestIdentityAndDefaults(t *testing.T) {
	vm, _ := normalizeString(t, "config.version = \"8\"\nuuid.bios = \"not-a-uuid\"\nsvga.present = \"FALSE\"\nvmci0.present = \"FALSE\"\n"+
		"uefi.secureBoot.enabled = \"TRUE\"\nsched.mem.pshare.enable = \"FALSE\"\nsched.mem.pshare.salt = \"x\"\n"+
		"ethernet0.present = \"TRUE\"\nethernet0.connectionType = \"custom\"\nethernet0.vnet = \"vmnet8\"\nethernet1.virtualDev = \"e1000\"")
	eq(t, "name falls back to the file name", vm.Name, "fallback")
	eq(t, "uuid as written", vm.UUID, "not-a-uuid")
	eq(t, "no devices", vm.Devices, []audit.VMDevice{})
	eq(t, "secure boot without firmware", vm.Firmware, audit.VMFirmware{SecureBoot: "unknown"})
	eq(t, "page sharing off", vm.Memory.PageSharing, "disabled")
	eq(t, "interfaces", vm.Interfaces, []audit.VMInterface{{Type: "custom", Source: "vmnet8"}})
	vm, _ = normalizeString(t, "svga.vgaOnly = \"TRUE\"\nfirmware = \"BIOS\"\nuefi.secureBoot.enabled = \"TRUE\"")
	eq(t, "VGA only", vm.Devices[0], audit.VMDevice{Class: "video", Model: "vga"})
	eq(t, "BIOS", vm.Firmware, audit.VMFirmware{Type: "bios", SecureBoot: "no"})
}

func TestRawRedaction(t *testing.T) {
	secrets := map[string]string{
		"RemoteDisplay.vnc.password": "pw-1", "RemoteDisplay.vnc.key": "pw-2", "dataFileKey": "pw-3",
		"guestinfo.userdata": "pw-4", "annotation": "pw-5", "ethernet0.token": "pw-6", "foo.credentials": "pw-7",
	}
	var b strings.Builder
	for k, v := range secrets {
		b.WriteString(k + " = \"" + v + "\"\n")
	}
	b.WriteString("serial0.fileName = \"telnet://admin:pw-8@10.0.0.1:23\"\nRemoteDisplay.vnc.keyMap = \"de\"\n")
	vm, _ := normalizeString(t, b.String())
	for k := range secrets {
		eq(t, k, vm.Raw[strings.ToLower(k)], audit.Redacted)
	}
	eq(t, "URL password", vm.Raw["serial0.filename"], "telnet://admin:"+audit.Redacted+"@10.0.0.1:23")
	eq(t, "not a secret", vm.Raw["remotedisplay.vnc.keymap"], "de")
	out, _ := json.Marshal(vm)
	for i := 1; i <= 8; i++ {
		if s := "pw-" + string(rune('0'+i)); strings.Contains(string(out), s) {
			t.Errorf("document holds %s", s)
		}
	}
	vm, _ = normalizeString(t, "RemoteDisplay.vnc.password = \"\"")
	eq(t, "an empty secret stays empty", vm.Raw["remotedisplay.vnc.password"], "")
}

func TestEncryptedConfigIsRefused(t *testing.T) {
	_, _, err := NormalizeVMX([]byte("displayName = \"vault\"\nencryption.keySafe = \"vmware:key/list\"\nencryption.data = \"AAAA\"\n"), Context{})
	if err == nil || err.Error() != "encrypted VM configuration (encryption.data): its settings cannot be read offline" {
		t.Errorf("error %v", err)
	}
}
