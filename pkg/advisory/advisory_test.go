package advisory

import (
	"strings"
	"testing"
)

func TestStatus(t *testing.T) {
	affected := map[string][]string{"qemu": {"<7.2.11", ">=8.0 <8.2.3"}, "vmware-esxi": {">=8.0 <8.0.24585300"}}
	fixed := map[string]string{"debian-12": "1:7.2+dfsg-7+deb12u6", "debian-11": "not-affected"}
	for _, c := range []struct {
		product, version, pkg, want string
	}{
		{"qemu", "7.2.0", "", Affected},
		{"qemu", "7.2.11", "", NotAffected},
		{"qemu", "8.1.5", "", Affected},
		{"qemu", "8.2.3", "", NotAffected},
		{"qemu", "9.0.0", "", NotAffected},
		{"qemu", "8.2.2 (Debian 1:8.2.2+ds-0ubuntu1)", "", Affected}, // trailing text ignored
		// the distribution's fixed package decides over the upstream number
		{"qemu", "7.2.0", "debian-12:1:7.2+dfsg-7+deb12u5", Affected},
		{"qemu", "7.2.0", "debian-12:1:7.2+dfsg-7+deb12u6", NotAffected},
		{"qemu", "7.2.0", "debian-12:1:7.2+dfsg-7+deb12u18+b3", NotAffected},
		{"qemu", "7.2.0", "debian-11:1:5.2+dfsg-11", NotAffected},
		{"qemu", "", "debian-12:1:7.2+dfsg-7+deb12u5", Affected},
		// a package of a release the table does not know: possibly
		{"qemu", "7.2.0", "ubuntu-22.04:1:6.2+dfsg-2ubuntu6.19", PossiblyAffected},
		{"qemu", "9.1.0", "ubuntu-24.10:1:9.1.0+ds-1", NotAffected},
		{"qemu", "", "", Unknown},
		{"", "7.2.0", "", Unknown},
		{"qemu", "garbage", "", Unknown},
		{"virtualbox", "7.0.6", "", NotApplicable},
		{"vmware-esxi", "8.0.24280767", "", Affected},
		{"vmware-esxi", "8.0.24585383", "", NotAffected},
		{"vmware-esxi", "7.0.21930508", "", NotAffected}, // another train: not in this advisory's ranges
	} {
		if got := Status(c.product, c.version, c.pkg, affected, fixed); got != c.want {
			t.Errorf("Status(%q, %q, %q) = %s, want %s", c.product, c.version, c.pkg, got, c.want)
		}
	}
}

func TestValidateRange(t *testing.T) {
	for _, ok := range []string{"<2.3.1", ">=17.0 <17.6.3", "=1.0", "<=8.0.24585300"} {
		if err := ValidateRange(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "2.3.1", "<", "<abc", ">1 <2 <3", "~1.2"} {
		if err := ValidateRange(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

const validTable = `
kind: vm
platforms: [libvirt]
product: vm.hypervisor.product
version: vm.hypervisor.version
package: vm.hypervisor.package
version_path: vm.hypervisor.version
unknown_reason: no version
products: {qemu: QEMU}
advisories:
  - id: CVE-QEMU-901
    cve: [CVE-2015-3456]
    title: t
    component: c
    severity: critical
    exploited: poc
    affected: {qemu: ["<2.3.1"]}
    fixed: "2.3.1"
    surface: vm.devices.exists(d, d.class == 'floppy')
    surface_evidence: {path: p, value: "vm.devices.map(d, d.class)", expected: e}
    description: d
    remediation: r
    references: {urls: [https://example.org]}
    fixtures:
      fail: [{vm: {}}]
      pass: [{vm: {}}]
`

func TestDecodeAndChecks(t *testing.T) {
	tab, err := Decode([]byte(validTable))
	if err != nil {
		t.Fatal(err)
	}
	chks := Checks(tab)
	if len(chks) != 1 {
		t.Fatalf("%d checks", len(chks))
	}
	c := chks[0]
	if c.ID != "CVE-QEMU-901" || c.Kind != "vm" || c.Platforms[0] != "libvirt" || c.References.CVE[0] != "CVE-2015-3456" ||
		len(c.Evidence) != 2 || c.UnknownReason != "no version" {
		t.Errorf("check %+v", c)
	}
	want := "(vm.devices.exists(d, d.class == 'floppy')) && advisoryStatus(vm.hypervisor.product, vm.hypervisor.version, " +
		"vm.hypervisor.package, {'qemu': ['<2.3.1']}, {}) in ['affected', 'possibly_affected']"
	if c.Condition != want {
		t.Errorf("condition\n got %s\nwant %s", c.Condition, want)
	}
}

func TestDecodeRejects(t *testing.T) {
	for name, c := range map[string]struct{ from, to, err string }{
		"unknown key":     {"fixed: \"2.3.1\"", "fixed: \"2.3.1\"\n    fixd: x", "field fixd not found"},
		"bad id":          {"CVE-QEMU-901", "QEMU-1", "does not match"},
		"bad cve":         {"[CVE-2015-3456]", "[VENOM]", "not a CVE id"},
		"bad range":       {`["<2.3.1"]`, `["2.3.1"]`, "no operator"},
		"unknown product": {`{qemu: ["<2.3.1"]}`, `{kvm: ["<2.3.1"]}`, `unknown product "kvm"`},
		"exploited":       {"exploited: poc", "exploited: maybe", "exploited"},
		"no fixtures":     {"fail: [{vm: {}}]", "fail: []", "fixtures need"},
		"bad deb":         {"fixed: \"2.3.1\"", "fixed: \"2.3.1\"\n    distro_fixed: {debian-12: \"a'b\"}", "distro_fixed"},
		"surface alone":   {"    surface_evidence: {path: p, value: \"vm.devices.map(d, d.class)\", expected: e}\n", "", "surface_evidence"},
	} {
		_, err := Decode([]byte(strings.Replace(validTable, c.from, c.to, 1)))
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: err = %v, want %q", name, err, c.err)
		}
	}
}
