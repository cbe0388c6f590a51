package advisory

import (
	"testing"

	"github.com/isoaudit/isoaudit/internal/fuzzseed"
)

// FuzzDecode: any bytes as an advisory table; an accepted table always
// generates checks, whose literals only hold validated characters. The
// tables are built in (users cannot load their own), so the seed is the
// small table of the unit tests: seeded with the real 10–15 KiB tables
// the fuzzer's mutator stalls (a handful of executions a minute).
func FuzzDecode(f *testing.F) {
	f.Add([]byte(validTable))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := Decode(data)
		fuzzseed.OneLine(t, err)
		if err != nil {
			return
		}
		for _, c := range Checks(tab) {
			if c.Condition == "" || c.ID == "" {
				t.Fatalf("generated check %+v", c)
			}
		}
	})
}

// FuzzStatus: any product, version and package strings against a fixed
// table never panic and always give one of the documented verdicts.
func FuzzStatus(f *testing.F) {
	f.Add("qemu", "7.2.0", "debian-12:1:7.2+dfsg-7+deb12u6")
	f.Add("vmware-esxi", "8.0.24585383", "")
	f.Add("qemu", "v1..2", "x:")
	affected := map[string][]string{"qemu": {"<7.2.11", ">=8.0 <8.2.3"}, "vmware-esxi": {">=8.0 <8.0.24585300"}}
	fixed := map[string]string{"debian-12": "1:7.2+dfsg-7+deb12u6"}
	f.Fuzz(func(t *testing.T, product, version, pkg string) {
		switch s := Status(product, version, pkg, affected, fixed); s {
		case Affected, PossiblyAffected, NotAffected, NotApplicable, Unknown:
		default:
			t.Fatalf("Status = %q", s)
		}
	})
}
