package libvirtxml

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// DefaultQEMUConfig returns libvirt's built-in QEMU driver settings (the
// defaults documented in src/qemu/qemu.conf.in), with Known false.
func DefaultQEMUConfig() audit.QEMUConfig {
	return audit.QEMUConfig{
		Set:                     []string{},
		VNCListen:               "127.0.0.1",
		VNCPassword:             audit.PasswordNotSet,
		SpiceListen:             "127.0.0.1",
		SpicePassword:           audit.PasswordNotSet,
		RDPListen:               "127.0.0.1",
		RDPPassword:             audit.PasswordNotSet,
		ChardevTLSX509Verify:    true,
		SecurityDriver:          []string{},
		SecurityDefaultConfined: true,
		DynamicOwnership:        true,
		RememberOwner:           true,
		SeccompSandbox:          1,
		Namespaces:              []string{"mount"},
		CgroupControllers:       []string{"cpu", "devices", "memory", "blkio", "cpuset", "cpuacct"},
		CgroupDeviceACL: []string{"/dev/null", "/dev/full", "/dev/zero", "/dev/random", "/dev/urandom",
			"/dev/ptmx", "/dev/kvm", "/dev/userfaultfd"},
		SchedCore:        "none",
		MaxCore:          "unlimited",
		StdioHandler:     "logd",
		SwtpmUser:        "tss",
		HugetlbfsMount:   []string{},
		MemoryBackingDir: "/var/lib/libvirt/qemu/ram",
		Raw:              map[string]string{},
	}
}

// ParseQEMUConf parses a qemu.conf with libvirt's virConf rules: "name =
// value" statements separated by newlines or ";", "#" comments, values
// that are numbers, '…' or "…" strings, """…""" multi-line strings, or
// [ … ] lists (trailing comma allowed, no comments inside). As in
// libvirt, the first setting of a repeated key wins; each repeat is
// returned as a note. Known keys must have the type libvirt requires
// (booleans are 0 or 1), else the file is an error, as libvirtd refuses
// to start with it. Errors are one line with the line number.
func ParseQEMUConf(data []byte) (audit.QEMUConfig, []string, error) {
	conf := DefaultQEMUConfig()
	entries, err := (&confParser{src: string(data), line: 1}).parse()
	if err != nil {
		return conf, nil, err
	}
	var notes []string
	first := map[string]confEntry{}
	for _, e := range entries {
		if prev, dup := first[e.name]; dup {
			notes = append(notes, fmt.Sprintf("%s set again on line %d; libvirt uses line %d", e.name, e.line, prev.line))
			continue
		}
		first[e.name] = e
		conf.Set = append(conf.Set, e.name)
		conf.Raw[e.name] = rawValue(e)
	}
	slices.Sort(conf.Set)
	for _, name := range conf.Set {
		if err := applyKey(&conf, first[name]); err != nil {
			return conf, nil, err
		}
	}
	applyVerifyDefaults(&conf, first)
	conf.Known = true
	return conf, notes, nil
}

// rawValue renders a value for QEMUConfig.Raw, redacting secrets.
func rawValue(e confEntry) string {
	n := strings.ToLower(e.name)
	if strings.Contains(n, "password") || strings.Contains(n, "passwd") || strings.Contains(n, "secret") {
		return audit.Redacted
	}
	return e.value.String()
}

// confSetter applies one known key.
type confSetter func(c *audit.QEMUConfig, v confValue) error

// knownKeys maps the keys isoaudit reads to their setters.
var knownKeys = map[string]confSetter{
	"vnc_listen":                setString(func(c *audit.QEMUConfig) *string { return &c.VNCListen }),
	"vnc_auto_unix_socket":      setBool(func(c *audit.QEMUConfig) *bool { return &c.VNCAutoUnixSocket }),
	"vnc_tls":                   setBool(func(c *audit.QEMUConfig) *bool { return &c.VNCTLS }),
	"vnc_tls_x509_verify":       setBool(func(c *audit.QEMUConfig) *bool { return &c.VNCTLSX509Verify }),
	"vnc_sasl":                  setBool(func(c *audit.QEMUConfig) *bool { return &c.VNCSASL }),
	"vnc_password":              setPassword(func(c *audit.QEMUConfig) *string { return &c.VNCPassword }),
	"spice_listen":              setString(func(c *audit.QEMUConfig) *string { return &c.SpiceListen }),
	"spice_auto_unix_socket":    setBool(func(c *audit.QEMUConfig) *bool { return &c.SpiceAutoUnixSocket }),
	"spice_tls":                 setBool(func(c *audit.QEMUConfig) *bool { return &c.SpiceTLS }),
	"spice_sasl":                setBool(func(c *audit.QEMUConfig) *bool { return &c.SpiceSASL }),
	"spice_password":            setPassword(func(c *audit.QEMUConfig) *string { return &c.SpicePassword }),
	"rdp_listen":                setString(func(c *audit.QEMUConfig) *string { return &c.RDPListen }),
	"rdp_password":              setPassword(func(c *audit.QEMUConfig) *string { return &c.RDPPassword }),
	"chardev_tls":               setBool(func(c *audit.QEMUConfig) *bool { return &c.ChardevTLS }),
	"chardev_tls_x509_verify":   setBool(func(c *audit.QEMUConfig) *bool { return &c.ChardevTLSX509Verify }),
	"nbd_tls":                   setBool(func(c *audit.QEMUConfig) *bool { return &c.NBDTLS }),
	"migrate_tls_force":         setBool(func(c *audit.QEMUConfig) *bool { return &c.MigrateTLSForce }),
	"default_tls_x509_verify":   setBool(func(*audit.QEMUConfig) *bool { return new(bool) }), // type check; see applyVerifyDefaults
	"security_driver":           setList(func(c *audit.QEMUConfig) *[]string { return &c.SecurityDriver }),
	"security_default_confined": setBool(func(c *audit.QEMUConfig) *bool { return &c.SecurityDefaultConfined }),
	"security_require_confined": setBool(func(c *audit.QEMUConfig) *bool { return &c.SecurityRequireConfined }),
	"user":                      setString(func(c *audit.QEMUConfig) *string { return &c.User }),
	"group":                     setString(func(c *audit.QEMUConfig) *string { return &c.Group }),
	"dynamic_ownership":         setBool(func(c *audit.QEMUConfig) *bool { return &c.DynamicOwnership }),
	"remember_owner":            setBool(func(c *audit.QEMUConfig) *bool { return &c.RememberOwner }),
	"seccomp_sandbox":           setInt,
	"namespaces":                setList(func(c *audit.QEMUConfig) *[]string { return &c.Namespaces }),
	"cgroup_controllers":        setList(func(c *audit.QEMUConfig) *[]string { return &c.CgroupControllers }),
	"cgroup_device_acl":         setList(func(c *audit.QEMUConfig) *[]string { return &c.CgroupDeviceACL }),
	"relaxed_acs_check":         setBool(func(c *audit.QEMUConfig) *bool { return &c.RelaxedACSCheck }),
	"sched_core":                setString(func(c *audit.QEMUConfig) *string { return &c.SchedCore }),
	"dump_guest_core":           setBool(func(c *audit.QEMUConfig) *bool { return &c.DumpGuestCore }),
	"max_core":                  setMaxCore,
	"stdio_handler":             setString(func(c *audit.QEMUConfig) *string { return &c.StdioHandler }),
	"swtpm_user":                setString(func(c *audit.QEMUConfig) *string { return &c.SwtpmUser }),
	"hugetlbfs_mount":           setList(func(c *audit.QEMUConfig) *[]string { return &c.HugetlbfsMount }),
	"memory_backing_dir":        setString(func(c *audit.QEMUConfig) *string { return &c.MemoryBackingDir }),
}

func applyKey(c *audit.QEMUConfig, e confEntry) error {
	set, ok := knownKeys[e.name]
	if !ok {
		return nil
	}
	if err := set(c, e.value); err != nil {
		return fmt.Errorf("line %d: %s: %w", e.line, e.name, err)
	}
	if e.name == "user" {
		c.UserIsRoot = c.User == "root" || c.User == "0" || c.User == "+0"
	}
	return nil
}

// applyVerifyDefaults: vnc_tls_x509_verify and chardev_tls_x509_verify
// default to default_tls_x509_verify when it is set.
func applyVerifyDefaults(c *audit.QEMUConfig, set map[string]confEntry) {
	def, ok := set["default_tls_x509_verify"]
	if !ok {
		return
	}
	v := def.value.num == 1
	if _, ok := set["vnc_tls_x509_verify"]; !ok {
		c.VNCTLSX509Verify = v
	}
	if _, ok := set["chardev_tls_x509_verify"]; !ok {
		c.ChardevTLSX509Verify = v
	}
}

func setBool(field func(*audit.QEMUConfig) *bool) confSetter {
	return func(c *audit.QEMUConfig, v confValue) error {
		if v.kind != confNumber || v.negative || v.num > 1 {
			return fmt.Errorf("want 0 or 1, got %s", v.describe())
		}
		*field(c) = v.num == 1
		return nil
	}
}

func setString(field func(*audit.QEMUConfig) *string) confSetter {
	return func(c *audit.QEMUConfig, v confValue) error {
		if v.kind != confString {
			return fmt.Errorf("want a string, got %s", v.describe())
		}
		*field(c) = v.str
		return nil
	}
}

// setPassword keeps only whether a password is set.
func setPassword(field func(*audit.QEMUConfig) *string) confSetter {
	return func(c *audit.QEMUConfig, v confValue) error {
		if v.kind != confString {
			return errors.New("want a string") // never echo a password
		}
		*field(c) = audit.PasswordSet
		if v.str == "" {
			*field(c) = audit.PasswordEmpty
		}
		return nil
	}
}

// setList accepts a list of strings, or one string as a one-element list.
func setList(field func(*audit.QEMUConfig) *[]string) confSetter {
	return func(c *audit.QEMUConfig, v confValue) error {
		switch v.kind {
		case confString:
			*field(c) = []string{v.str}
			return nil
		case confList:
			out := make([]string, 0, len(v.list))
			for _, item := range v.list {
				if item.kind != confString {
					return fmt.Errorf("want a list of strings, got %s in it", item.describe())
				}
				out = append(out, item.str)
			}
			*field(c) = out
			return nil
		}
		return fmt.Errorf("want a string or a list of strings, got %s", v.describe())
	}
}

func setInt(c *audit.QEMUConfig, v confValue) error {
	if v.kind != confNumber {
		return fmt.Errorf("want a number, got %s", v.describe())
	}
	c.SeccompSandbox = int64(v.num)
	if v.negative {
		c.SeccompSandbox = -c.SeccompSandbox
	}
	return nil
}

// setMaxCore accepts a byte count or "unlimited".
func setMaxCore(c *audit.QEMUConfig, v confValue) error {
	switch {
	case v.kind == confNumber && !v.negative:
		c.MaxCore = strconv.FormatUint(v.num, 10)
	case v.kind == confString && v.str == "unlimited":
		c.MaxCore = v.str
	default:
		return fmt.Errorf(`want a byte count or "unlimited", got %s`, v.describe())
	}
	return nil
}
