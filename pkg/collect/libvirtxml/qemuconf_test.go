package libvirtxml

import (
	"slices"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect/files"
)

func TestParseQEMUConfFixtures(t *testing.T) {
	t.Run("hardened", func(t *testing.T) {
		c := confFixture(t, "hardened.conf")
		eq(t, "known", c.Known, true)
		eq(t, "vnc", []any{c.VNCListen, c.VNCAutoUnixSocket, c.VNCTLS, c.VNCTLSX509Verify, c.VNCSASL, c.VNCPassword},
			[]any{"127.0.0.1", true, true, true, false, "not_set"})
		eq(t, "spice/chardev", []bool{c.SpiceTLS, c.ChardevTLS, c.ChardevTLSX509Verify}, []bool{true, true, true})
		eq(t, "security", []any{c.SecurityDriver, c.SecurityDefaultConfined, c.SecurityRequireConfined},
			[]any{[]string{"selinux"}, true, true})
		eq(t, "user", []any{c.User, c.Group, c.UserIsRoot}, []any{"", "", false})
		eq(t, "ownership", []bool{c.DynamicOwnership, c.RememberOwner}, []bool{true, true})
		eq(t, "device acl (trailing comma)", c.CgroupDeviceACL, []string{"/dev/null", "/dev/full", "/dev/zero",
			"/dev/random", "/dev/urandom", "/dev/ptmx", "/dev/kvm"})
		eq(t, "sandbox", []any{c.SeccompSandbox, c.Namespaces, c.SchedCore, c.StdioHandler},
			[]any{int64(1), []string{"mount"}, "vcpus", "logd"})
		eq(t, "set", c.Set, []string{"cgroup_device_acl", "chardev_tls", "default_tls_x509_verify", "dynamic_ownership",
			"namespaces", "remember_owner", "sched_core", "seccomp_sandbox", "security_default_confined", "security_driver",
			"security_require_confined", "spice_tls", "stdio_handler", "vnc_auto_unix_socket", "vnc_tls", "vnc_tls_x509_verify"})
	})
	t.Run("risky", func(t *testing.T) {
		data := mustReadConf(t, "risky.conf")
		c, notes, err := ParseQEMUConf(data)
		if err != nil {
			t.Fatal(err)
		}
		// The first vnc_listen wins, as in libvirt.
		eq(t, "vnc", []any{c.VNCListen, c.VNCTLS, c.VNCPassword, c.SpiceListen}, []any{"0.0.0.0", false, "set", "0.0.0.0"})
		eq(t, "notes", notes, []string{"vnc_listen set again on line 30; libvirt uses line 2"})
		eq(t, "security", []any{c.SecurityDriver, c.SecurityDefaultConfined}, []any{[]string{"none"}, false})
		eq(t, "root", []any{c.User, c.Group, c.UserIsRoot}, []any{"+0", "root", true})
		eq(t, "hardening off", []any{c.DynamicOwnership, c.RememberOwner, c.SeccompSandbox, c.Namespaces, c.RelaxedACSCheck,
			c.DumpGuestCore, c.StdioHandler, c.SwtpmUser}, []any{false, false, int64(0), []string{}, true, true, "file", "root"})
		eq(t, "device acl", slices.Contains(c.CgroupDeviceACL, "/dev/mem"), true)
		eq(t, "string as list", c.HugetlbfsMount, []string{"/dev/hugepages"})
		eq(t, "raw", []string{c.Raw["lock_manager"], c.Raw["max_queued"], c.Raw["nvram"], c.Raw["description"],
			c.Raw["vnc_password"], c.Raw["default_tls_x509_secret_uuid"], c.Raw["vnc_listen"]},
			[]string{"lockd", "0", "/usr/share/OVMF/OVMF_CODE.fd:/usr/share/OVMF/OVMF_VARS.fd", "lab host\ndo not copy",
				audit.Redacted, audit.Redacted, "0.0.0.0"})
	})
}

func TestParseQEMUConfDefaults(t *testing.T) {
	c, notes, err := ParseQEMUConf([]byte("# everything commented out\n#vnc_listen = \"0.0.0.0\"\n\n"))
	if err != nil || len(notes) != 0 {
		t.Fatal(err, notes)
	}
	want := DefaultQEMUConfig()
	want.Known = true
	eq(t, "defaults", c, want)
	eq(t, "documented defaults", []any{c.VNCListen, c.SecurityDefaultConfined, c.DynamicOwnership, c.SeccompSandbox,
		c.Namespaces, c.SchedCore, c.MaxCore, c.VNCTLSX509Verify, c.ChardevTLSX509Verify},
		[]any{"127.0.0.1", true, true, int64(1), []string{"mount"}, "none", "unlimited", false, true})
}

func TestParseQEMUConfSyntax(t *testing.T) {
	tests := []struct {
		name, input string
		check       func(t *testing.T, c audit.QEMUConfig)
	}{
		{"semicolons and trailing comments", `vnc_tls = 1; spice_tls = 1 # on` + "\n" + `user = 'qemu'`,
			func(t *testing.T, c audit.QEMUConfig) {
				eq(t, "values", []any{c.VNCTLS, c.SpiceTLS, c.User}, []any{true, true, "qemu"})
			}},
		{"CRLF line ends", "vnc_sasl = 1\r\nsched_core = \"full\"\r\n", func(t *testing.T, c audit.QEMUConfig) {
			eq(t, "values", []any{c.VNCSASL, c.SchedCore}, []any{true, "full"})
		}},
		{"multi-line list and empty list", "namespaces = [\n]\ncgroup_controllers = [\n  \"cpu\",\n  \"memory\"\n]\n",
			func(t *testing.T, c audit.QEMUConfig) {
				eq(t, "lists", []any{c.Namespaces, c.CgroupControllers}, []any{[]string{}, []string{"cpu", "memory"}})
			}},
		{"default_tls_x509_verify feeds the per-user defaults", "default_tls_x509_verify = 0\nvnc_tls_x509_verify = 1\n",
			func(t *testing.T, c audit.QEMUConfig) {
				eq(t, "verify", []bool{c.VNCTLSX509Verify, c.ChardevTLSX509Verify}, []bool{true, false})
			}},
		{"negative and signed numbers", "seccomp_sandbox = -1\nmax_processes = +40\n", func(t *testing.T, c audit.QEMUConfig) {
			eq(t, "values", []any{c.SeccompSandbox, c.Raw["max_processes"]}, []any{int64(-1), "40"})
		}},
		{"max_core number", "max_core = 1073741824\n", func(t *testing.T, c audit.QEMUConfig) {
			eq(t, "max_core", c.MaxCore, "1073741824")
		}},
		{"empty password", `spice_password = ""`, func(t *testing.T, c audit.QEMUConfig) {
			eq(t, "spice password", c.SpicePassword, "empty")
		}},
		{"user 0 is root", `user = "0"`, func(t *testing.T, c audit.QEMUConfig) { eq(t, "root", c.UserIsRoot, true) }},
		{"unknown keys are kept raw", `bridge_helper = "qemu-bridge-helper"`, func(t *testing.T, c audit.QEMUConfig) {
			eq(t, "raw", c.Raw, map[string]string{"bridge_helper": "qemu-bridge-helper"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := ParseQEMUConf([]byte(tt.input))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestParseQEMUConfErrors(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{"missing assignment", "vnc_listen \"0.0.0.0\"", "line 1: expecting an assignment after vnc_listen"},
		{"name starts with a digit", "\n\n1abc = 1", "line 3: expecting a name"},
		{"unterminated string", "vnc_listen = \"0.0.0.0\nvnc_tls = 1", "line 1: unterminated string"},
		{"unterminated triple string", `x = """abc`, "line 1: unterminated string"},
		{"two statements on a line", "vnc_tls = 1 spice_tls = 1", "line 1: expecting a separator"},
		{"unclosed list", "namespaces = [ \"mount\"", "line 1: list is not closed with ]"},
		{"comment inside a list", "namespaces = [\n # no\n \"mount\" ]", "line 2: expecting a value"},
		{"missing list separator", `namespaces = [ "a" "b" ]`, "line 1: expecting a separator in list"},
		{"bare word value", "vnc_listen = localhost", "line 1: expecting a value"},
		{"bool out of range", "\nvnc_tls = 2", "line 2: vnc_tls: want 0 or 1, got 2"},
		{"bool as string", `dynamic_ownership = "0"`, "line 1: dynamic_ownership: want 0 or 1, got a string"},
		{"string as number", "vnc_listen = 0", "line 1: vnc_listen: want a string, got 0"},
		{"list of numbers", "namespaces = [ 1 ]", "line 1: namespaces: want a list of strings, got 1 in it"},
		{"number too large", "max_core = 99999999999999999999", "line 1: number out of range"},
		{"password never echoed", "vnc_password = 12345678", "line 1: vnc_password: want a string"},
		{"max_core word", `max_core = "lots"`, `line 1: max_core: want a byte count or "unlimited", got a string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseQEMUConf([]byte(tt.input))
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n got %v\nwant %s", err, tt.want)
			}
			if err != nil && (strings.Contains(err.Error(), "12345678") || strings.Contains(err.Error(), "\n")) {
				t.Errorf("error leaks a value or spans lines: %q", err)
			}
		})
	}
}

func mustReadConf(t *testing.T, name string) []byte {
	t.Helper()
	data, err := files.Read(testdata+"/qemu/"+name, DefaultMaxBytes)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
