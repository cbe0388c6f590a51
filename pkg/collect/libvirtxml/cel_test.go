package libvirtxml

import (
	"reflect"
	"slices"
	"testing"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/ext"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// sampleChecks are conditions (true = fail) the way catalog checks would
// read the document as `vm`, one per vms.md §4.1 row they stand for.
var sampleChecks = map[string]string{
	"LV-001 sVirt off":              `vm.security.confined == 'no'`,
	"LV-003 qemu:commandline":       `size(vm.raw_args) > 0`,
	"LV-004 PCI passthrough":        `vm.passthrough.exists(p, p.type == 'pci')`,
	"LV-005 USB passthrough":        `vm.passthrough.exists(p, p.type == 'usb')`,
	"LV-007 host root share":        `vm.shares.exists(s, s.writable && s.access_mode == 'passthrough' && s.host_path == '/')`,
	"LV-010 LUN rawio":              `vm.disks.exists(d, d.device == 'lun' && d.rawio)`,
	"LV-013 floppy":                 `vm.devices.exists(d, d.class in ['floppy', 'fdc'])`,
	"LV-015 unauthenticated":        `vm.remote_consoles.exists(c, c.exposed && c.auth == 'none')`,
	"LV-018 clipboard":              `vm.clipboard.mode != 'disabled'`,
	"LV-021 network chardev":        `vm.char_devices.exists(c, c.exposed && c.tls != 'yes')`,
	"LV-025 host CPU":               `vm.cpu.mode == 'host-passthrough'`,
	"LV-026 nested":                 `vm.cpu.nested == 'enabled'`,
	"LV-027 host SMBIOS":            `'os/smbios/@mode' in vm.raw && vm.raw['os/smbios/@mode'] == 'host'`,
	"LV-028 3D":                     `vm.accel_3d`,
	"console exposure unknown":      `vm.remote_consoles.exists(c, c.exposure == 'unknown' || (c.exposed && c.auth == 'unknown'))`,
	"confinement unknown":           `vm.security.confined == 'unknown'`,
	"shared memory for other procs": `vm.memory.shared`,
}

// TestDocumentInCEL compiles the sample checks against the VM type (as
// the engine's typed environment does) and runs them on the fixtures.
func TestDocumentInCEL(t *testing.T) {
	env, err := cel.NewEnv(ext.NativeTypes(ext.ParseStructTags(true), reflect.TypeOf(&audit.VM{})),
		cel.Variable("vm", cel.ObjectType("audit.VM")))
	if err != nil {
		t.Fatal(err)
	}
	programs := map[string]cel.Program{}
	for name, expr := range sampleChecks {
		ast, iss := env.Compile(expr)
		if iss.Err() != nil {
			t.Fatalf("%s: %v", name, iss.Err())
		}
		if programs[name], err = env.Program(ast); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		file string
		want []string
	}{
		{"hardened.xml", nil},
		{"vnc-public-nopass.xml", []string{"LV-015 unauthenticated", "confinement unknown"}},
		{"readonly-dump.xml", []string{"console exposure unknown"}},
		{"share-root-9p.xml", []string{"LV-001 sVirt off", "LV-007 host root share", "shared memory for other procs"}},
		{"floppy.xml", []string{"LV-010 LUN rawio", "LV-013 floppy", "confinement unknown"}},
		{"usb-hostdev.xml", []string{"LV-004 PCI passthrough", "LV-005 USB passthrough"}},
		{"qemu-cmdline.xml", []string{"LV-003 qemu:commandline", "confinement unknown"}},
		{"cpu-passthrough.xml", []string{"LV-025 host CPU", "LV-026 nested", "LV-027 host SMBIOS", "LV-028 3D", "confinement unknown"}},
		{"serial-tcp.xml", []string{"LV-021 network chardev", "confinement unknown"}},
		{"spice-clipboard.xml", []string{"LV-018 clipboard", "LV-021 network chardev", "confinement unknown", "console exposure unknown"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			vm := domainFixture(t, tt.file, Context{})
			var failed []string
			for name, prg := range programs {
				out, _, err := prg.Eval(map[string]any{"vm": vm})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if out.Value() == true {
					failed = append(failed, name)
				}
			}
			slices.Sort(failed)
			eq(t, "failing checks", failed, tt.want)
		})
	}
}

// TestDocumentedExampleCompiles keeps the example check of
// docs/vm-document.md valid.
func TestDocumentedExampleCompiles(t *testing.T) {
	env, err := cel.NewEnv(ext.Strings(), ext.NativeTypes(ext.ParseStructTags(true), reflect.TypeOf(&audit.VM{})),
		cel.Variable("vm", cel.ObjectType("audit.VM")))
	if err != nil {
		t.Fatal(err)
	}
	vm := domainFixture(t, "vnc-public-nopass.xml", Context{})
	for _, expr := range []string{
		`vm.remote_consoles.exists(c, c.exposed && c.auth == 'none')`,
		`!vm.remote_consoles.exists(c, c.exposed && c.auth == 'none') &&
		 vm.remote_consoles.exists(c, c.exposure == 'unknown' || (c.exposed && c.auth == 'unknown'))`,
		`vm.remote_consoles.filter(c, c.exposed && c.auth == 'none').map(c, c.type + ' on ' + c.listen.join(','))`,
	} {
		ast, iss := env.Compile(expr)
		if iss.Err() != nil {
			t.Fatalf("%s: %v", expr, iss.Err())
		}
		prg, err := env.Program(ast)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := prg.Eval(map[string]any{"vm": vm}); err != nil {
			t.Errorf("%s: %v", expr, err)
		}
	}
}

// TestDocumentsShareOneEnvironment: the VM and hypervisor-host types
// register next to the engine's container and host types without name
// clashes, as the engine's NewEnv will need.
func TestDocumentsShareOneEnvironment(t *testing.T) {
	env, err := cel.NewEnv(ext.NativeTypes(ext.ParseStructTags(true), reflect.TypeOf(&audit.Container{}),
		reflect.TypeOf(&audit.Host{}), reflect.TypeOf(&audit.VM{}), reflect.TypeOf(&audit.VirtHost{})),
		cel.Variable("vm", cel.ObjectType("audit.VM")), cel.Variable("virt", cel.ObjectType("audit.VirtHost")))
	if err != nil {
		t.Fatal(err)
	}
	for _, expr := range []string{
		`virt.qemu_conf.vnc_listen != '127.0.0.1' && !virt.qemu_conf.vnc_tls`,
		`virt.qemu_conf.security_driver == ['none'] || virt.qemu_conf.user_is_root`,
		`vm.security.confined == 'unknown' && virt.qemu_conf.known`,
	} {
		if _, iss := env.Compile(expr); iss.Err() != nil {
			t.Errorf("%s: %v", expr, iss.Err())
		}
	}
}
