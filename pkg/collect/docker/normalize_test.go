package docker

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

var defaultMasked = []string{"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"}

func equal[T any](t *testing.T, field string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", field, got, want)
	}
}

// TestNormalizeContainerFixtures normalizes inspect documents captured
// from Docker 20.10.24 (testdata/docker/inspect) with the captured host.
func TestNormalizeContainerFixtures(t *testing.T) {
	tests := []struct {
		fixture string
		check   func(t *testing.T, c *audit.Container)
	}{
		{"default", func(t *testing.T, c *audit.Container) {
			equal(t, "name", c.Name, "isoaudit-fx-default")
			equal(t, "state", c.State, "running")
			equal(t, "capabilities.effective", c.Capabilities.Effective, defaultCapabilities)
			equal(t, "capabilities.added", c.Capabilities.Added, []string{})
			equal(t, "security.seccomp", c.Security.Seccomp, "default")
			equal(t, "security.apparmor", c.Security.AppArmor, "")
			equal(t, "security.masked_paths", c.Security.MaskedPaths, defaultMasked)
			equal(t, "security.systempaths_unconfined", c.Security.SystemPathsUnconfined, false)
			equal(t, "security.selinux_disabled", c.Security.SELinuxDisabled, false)
			equal(t, "security.options", c.Security.Options, []string{})
			equal(t, "root", c.Root, true)
			equal(t, "uid", c.UID, int64(0))
			equal(t, "mounts", c.Mounts, []audit.Mount{})
			equal(t, "namespaces", c.Namespaces, audit.Namespaces{Net: "default", IPC: "private", Cgroup: "host"})
			equal(t, "runtime", c.Runtime, "runc")
			equal(t, "image", c.Image, audit.Image{Ref: "isoaudit-test/busybox:1",
				ID:       "sha256:aa65db88be2d9516b9eb21b92afdd35e8dff5e0127e5f8d4ca688e402c03d158",
				Registry: "docker.io", Repo: "isoaudit-test/busybox", Tag: "1",
				Created: "2026-11-26T14:56:53.727568647Z", RepoDigests: []string{}, EnvNames: []string{},
				Labels: map[string]string{}, RefChecked: true, RefID: "sha256:aa65db88be2d9516b9eb21b92afdd35e8dff5e0127e5f8d4ca688e402c03d158"})
		}},
		{"privileged", func(t *testing.T, c *audit.Container) {
			equal(t, "state", c.State, "created")
			equal(t, "privileged", c.Privileged, true)
			equal(t, "capabilities.effective", c.Capabilities.Effective, allCapabilities)
			equal(t, "security.seccomp", c.Security.Seccomp, "unconfined")
			equal(t, "security.apparmor", c.Security.AppArmor, "unconfined")
			equal(t, "security.writable_cgroups", c.Security.WritableCgroups, true)
			// The daemon adds label=disable itself and stores null paths.
			equal(t, "security.options", c.Security.Options, []string{"label=disable"})
			equal(t, "security.selinux_disabled", c.Security.SELinuxDisabled, false)
			equal(t, "security.masked_paths", c.Security.MaskedPaths, []string{})
			equal(t, "security.systempaths_unconfined", c.Security.SystemPathsUnconfined, false)
		}},
		{"cap-add-all", func(t *testing.T, c *audit.Container) {
			equal(t, "privileged", c.Privileged, false)
			equal(t, "capabilities.added", c.Capabilities.Added, []string{"ALL"})
			equal(t, "capabilities.effective", c.Capabilities.Effective, allCapabilities)
			equal(t, "security.seccomp", c.Security.Seccomp, "default")
		}},
		{"sysadmin-dropall", func(t *testing.T, c *audit.Container) {
			// The daemon stored "CAP_SYS_ADMIN" with its prefix.
			equal(t, "capabilities.added", c.Capabilities.Added, []string{"SYS_ADMIN"})
			equal(t, "capabilities.dropped", c.Capabilities.Dropped, []string{"ALL"})
			equal(t, "capabilities.effective", c.Capabilities.Effective, []string{"SYS_ADMIN"})
		}},
		{"docker-sock-ro", func(t *testing.T, c *audit.Container) {
			equal(t, "mounts", c.Mounts, []audit.Mount{{Type: "bind", Source: "/var/run/docker.sock",
				Destination: "/var/run/docker.sock", RW: false, Propagation: "rprivate"}})
		}},
		{"host-root", func(t *testing.T, c *audit.Container) {
			equal(t, "mounts", c.Mounts, []audit.Mount{{Type: "bind", Source: "/", Destination: "/host", RW: true, Propagation: "rslave"}})
		}},
		{"created-bind", func(t *testing.T, c *audit.Container) {
			// A never-started container already has Mounts[] on 20.10.
			equal(t, "state", c.State, "created")
			equal(t, "mounts", c.Mounts, []audit.Mount{
				{Type: "bind", Source: "/etc", Destination: "/host-etc", RW: false, Propagation: "rprivate"},
				{Type: "bind", Source: "/var/run/docker.sock", Destination: "/var/run/docker.sock", RW: true, Propagation: "rprivate"},
			})
		}},
		{"propagation-shared", func(t *testing.T, c *audit.Container) {
			equal(t, "mounts[0].propagation", c.Mounts[0].Propagation, "rshared")
		}},
		{"volume-resources", func(t *testing.T, c *audit.Container) {
			equal(t, "mounts", c.Mounts, []audit.Mount{
				{Type: "volume", Source: "/var/lib/docker/volumes/isoaudit-fx-vol/_data", Name: "isoaudit-fx-vol", Destination: "/data", RW: true},
				{Type: "tmpfs", Destination: "/scratch", RW: true},
			})
			equal(t, "resources", c.Resources, audit.Resources{Memory: 64 << 20, PidsLimit: 100, NanoCPUs: 500_000_000, CPUShares: 512})
			equal(t, "working_dir", c.WorkingDir, "/data")
		}},
		{"tmpfs", func(t *testing.T, c *audit.Container) {
			// --tmpfs mounts are only in HostConfig.Tmpfs, not Mounts[].
			equal(t, "mounts", c.Mounts, []audit.Mount{{Type: "tmpfs", Destination: "/run", RW: true}})
		}},
		{"pid-host", func(t *testing.T, c *audit.Container) {
			equal(t, "namespaces.pid", c.Namespaces.PID, "host")
			equal(t, "security.options", c.Security.Options, []string{"label=disable"})
			equal(t, "security.selinux_disabled", c.Security.SELinuxDisabled, false)
		}},
		{"host-namespaces", func(t *testing.T, c *audit.Container) {
			equal(t, "namespaces", c.Namespaces, audit.Namespaces{Net: "host", IPC: "host", UTS: "host", Cgroup: "host"})
			equal(t, "security.no_new_privileges", c.Security.NoNewPrivileges, true)
			equal(t, "security.options", c.Security.Options, []string{"no-new-privileges=true", "label=disable"})
			equal(t, "security.selinux_disabled", c.Security.SELinuxDisabled, false)
		}},
		{"label-disable", func(t *testing.T, c *audit.Container) {
			equal(t, "security.selinux_disabled", c.Security.SELinuxDisabled, true)
		}},
		{"seccomp-unconfined", func(t *testing.T, c *audit.Container) {
			equal(t, "security.seccomp", c.Security.Seccomp, "unconfined")
			equal(t, "security.options", c.Security.Options, []string{"seccomp=unconfined"})
		}},
		{"seccomp-custom", func(t *testing.T, c *audit.Container) {
			equal(t, "state", c.State, "exited")
			equal(t, "security.seccomp", c.Security.Seccomp, "custom")
			equal(t, "security.options", c.Security.Options, []string{"seccomp=<custom profile>", "no-new-privileges"})
			equal(t, "security.no_new_privileges", c.Security.NoNewPrivileges, true)
		}},
		{"apparmor-unconfined", func(t *testing.T, c *audit.Container) {
			equal(t, "security.apparmor", c.Security.AppArmor, "unconfined")
		}},
		{"systempaths-unconfined", func(t *testing.T, c *audit.Container) {
			// The daemon consumes the option: SecurityOpt is [] and the
			// path lists are empty arrays, not null.
			equal(t, "security.options", c.Security.Options, []string{})
			equal(t, "security.masked_paths", c.Security.MaskedPaths, []string{})
			equal(t, "security.systempaths_unconfined", c.Security.SystemPathsUnconfined, true)
		}},
		{"systempaths-created", func(t *testing.T, c *audit.Container) {
			equal(t, "security.systempaths_unconfined", c.Security.SystemPathsUnconfined, true)
		}},
		{"readonly-user", func(t *testing.T, c *audit.Container) {
			equal(t, "readonly_rootfs", c.ReadonlyRootfs, true)
			equal(t, "user", c.User, "1000")
			equal(t, "uid", c.UID, int64(1000))
			equal(t, "root", c.Root, false)
		}},
		{"device-loop", func(t *testing.T, c *audit.Container) {
			equal(t, "devices", c.Devices, []audit.Device{{PathOnHost: "/dev/loop0", PathInContainer: "/dev/loop0", CgroupPermissions: "rwm"}})
		}},
		{"device-cgroup-rule", func(t *testing.T, c *audit.Container) {
			equal(t, "device_cgroup_rules", c.DeviceCgroupRules, []string{"b 7:* rmw"})
		}},
		{"sysctl", func(t *testing.T, c *audit.Container) {
			equal(t, "sysctls", c.Sysctls, map[string]string{"net.ipv4.ip_unprivileged_port_start": "0"})
		}},
		{"ports", func(t *testing.T, c *audit.Container) {
			equal(t, "ports", c.Ports, []audit.Port{
				{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"},
				{HostPort: 9000, ContainerPort: 9000, Protocol: "udp"},
			})
		}},
		{"env-secret", func(t *testing.T, c *audit.Container) {
			equal(t, "env_names", c.EnvNames, []string{"EMPTY", "ISOAUDIT_SECRET", "NOVALUE", "PLAIN"})
			b, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), "hunter2") || strings.Contains(string(b), "labelsecret") {
				t.Errorf("a secret value leaked into the document: %s", b)
			}
		}},
	}
	host, img := hostFixture(t), imageFixture(t)
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			tt.check(t, NormalizeContainer(inspectFixture(t, tt.fixture), img, host))
		})
	}
}

// TestNormalizeContainerCoversEveryFixture keeps the table above in step
// with testdata/docker/inspect.
func TestNormalizeContainerCoversEveryFixture(t *testing.T) {
	host, img := hostFixture(t), imageFixture(t)
	files, err := filepath.Glob(testdataDir + "/inspect/*.json")
	if err != nil || len(files) < 20 {
		t.Fatalf("want ≥ 20 inspect fixtures, got %d (%v)", len(files), err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(f[strings.LastIndex(f, "/")+1:], ".json")
		c := NormalizeContainer(inspectFixture(t, name), img, host)
		if c.Name != "isoaudit-fx-"+name || c.ID == "" || c.State == "" {
			t.Errorf("%s: name %q id %q state %q", name, c.Name, c.ID, c.State)
		}
		if c.Mounts == nil || c.Ports == nil || c.EnvNames == nil || c.Sysctls == nil || c.Security.Options == nil {
			t.Errorf("%s: a list or map field is nil (must be empty)", name)
		}
	}
}

func TestNormalizeContainerHostWithoutSeccomp(t *testing.T) {
	host := hostFixture(t)
	host.Engine.SeccompEnabled = false
	c := NormalizeContainer(inspectFixture(t, "default"), nil, host)
	equal(t, "security.seccomp", c.Security.Seccomp, "unconfined")

	c = NormalizeContainer(inspectFixture(t, "default"), nil, audit.Host{})
	equal(t, "security.seccomp (host unknown)", c.Security.Seccomp, "default")
	equal(t, "runtime (host unknown)", c.Runtime, "runc")
}

func TestNormalizeContainerImageUser(t *testing.T) {
	tests := []struct {
		name, configUser, imageUser string
		wantUser                    string
		wantUID                     int64
		wantRoot                    bool
	}{
		{"image names a user", "", "app", "app", -1, false},
		{"image uid", "", "1000:1000", "1000:1000", 1000, false},
		{"image root stays root", "", "root", "", 0, true},
		{"config wins over image", "0", "app", "0", 0, true},
		{"no image user", "", "", "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := inspectFixture(t, "default")
			in.Config.User = tt.configUser
			img := &image.InspectResponse{Config: &dockerspec.DockerOCIImageConfig{}}
			img.Config.User = tt.imageUser
			c := NormalizeContainer(in, img, audit.Host{})
			equal(t, "user", c.User, tt.wantUser)
			equal(t, "uid", c.UID, tt.wantUID)
			equal(t, "root", c.Root, tt.wantRoot)
			equal(t, "image.user", c.Image.User, tt.imageUser)
		})
	}
}

func TestNormalizeContainerNilSections(t *testing.T) {
	c := NormalizeContainer(container.InspectResponse{ID: "abc", Name: "/bare"}, nil, audit.Host{})
	equal(t, "name", c.Name, "bare")
	equal(t, "capabilities.effective", c.Capabilities.Effective, defaultCapabilities)
	equal(t, "security.seccomp", c.Security.Seccomp, "default")
	equal(t, "security.systempaths_unconfined", c.Security.SystemPathsUnconfined, false)
}

func TestParseUser(t *testing.T) {
	tests := []struct {
		user string
		uid  int64
		root bool
	}{
		{"", 0, true}, {"0", 0, true}, {"root", 0, true}, {"0:0", 0, true}, {"root:wheel", 0, true},
		{"1000", 1000, false}, {"1000:1000", 1000, false}, {"app", -1, false}, {"app:app", -1, false},
	}
	for _, tt := range tests {
		uid, root := parseUser(tt.user)
		if uid != tt.uid || root != tt.root {
			t.Errorf("parseUser(%q) = %d, %v; want %d, %v", tt.user, uid, root, tt.uid, tt.root)
		}
	}
}

func TestCapabilitiesOf(t *testing.T) {
	tests := []struct {
		name             string
		add, drop        []string
		privileged       bool
		added, effective []string
	}{
		{"defaults", nil, nil, false, []string{}, defaultCapabilities},
		{"prefix and case", []string{"cap_sys_admin", "NET_ADMIN"}, []string{"CAP_NET_RAW"}, false,
			[]string{"NET_ADMIN", "SYS_ADMIN"}, sorted(append(without(defaultCapabilities, []string{"NET_RAW"}), "NET_ADMIN", "SYS_ADMIN"))},
		{"add ALL minus drop", []string{"all"}, []string{"SYS_MODULE"}, false, []string{"ALL"}, without(allCapabilities, []string{"SYS_MODULE"})},
		{"drop ALL keeps added", []string{"NET_BIND_SERVICE"}, []string{"ALL"}, false, []string{"NET_BIND_SERVICE"}, []string{"NET_BIND_SERVICE"}},
		{"privileged ignores drop", nil, []string{"ALL"}, true, []string{}, allCapabilities},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := capabilitiesOf(tt.add, tt.drop, tt.privileged)
			equal(t, "added", got.Added, tt.added)
			equal(t, "effective", got.Effective, tt.effective)
		})
	}
	if len(allCapabilities) != 41 || !slices.IsSorted(allCapabilities) || !slices.IsSorted(defaultCapabilities) {
		t.Errorf("capability tables: %d caps, sorted %v/%v", len(allCapabilities), slices.IsSorted(allCapabilities), slices.IsSorted(defaultCapabilities))
	}
}

func sorted(s []string) []string {
	slices.Sort(s)
	return s
}
