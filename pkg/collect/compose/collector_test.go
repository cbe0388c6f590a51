package compose

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

func load(t *testing.T, yaml string, env ...string) map[string]audit.Asset {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := DefaultOptions()
	opts.Path, opts.Env = p, env
	c, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	b, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]audit.Asset{}
	for _, a := range b.Assets {
		out[a.Name] = a
	}
	return out
}

func TestRiskyFixture(t *testing.T) {
	opts := DefaultOptions()
	opts.Path = filepath.Join("..", "..", "..", "testdata", "compose", "risky.yaml")
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range b.Assets {
		ids = append(ids, a.ID)
		if a.Kind != audit.KindContainer || a.Platform != "docker" || a.Host.Known || a.Source != opts.Path {
			t.Errorf("%s: %+v", a.ID, a)
		}
	}
	// The debug service sits behind a profile: a pre-deploy audit still sees it.
	want := []string{"compose://risky.yaml/agent", "compose://risky.yaml/debug", "compose://risky.yaml/web"}
	if !slices.Equal(ids, want) {
		t.Errorf("assets %v, want %v", ids, want)
	}
}

func TestServiceFieldsMapOntoTheContainerDocument(t *testing.T) {
	assets := load(t, `
name: p
services:
  base:
    image: alpine:3.20
    user: "1000"
    read_only: true
  svc:
    extends: {service: base}
    image: registry.local/app:${TAG:-1.0}
    privileged: true
    cap_add: [SYS_ADMIN, net_admin]
    cap_drop: [MKNOD]
    pid: host
    ipc: service:base
    network_mode: host
    uts: host
    userns_mode: host
    cgroup: host
    devices: ["/dev/fuse:/dev/fuse:rw", "/dev/kmsg"]
    device_cgroup_rules: ["c 10:229 rwm"]
    security_opt: ["seccomp=unconfined", "apparmor=unconfined", "systempaths=unconfined"]
    sysctls: {net.ipv4.ip_forward: "1"}
    runtime: runsc
    cgroup_parent: /custom
    mem_limit: 64m
    pids_limit: 100
    cpus: 1.5
    ulimits: {nofile: {soft: 1024, hard: 2048}}
    working_dir: /srv
    environment: [API_TOKEN=abc123, PLAIN]
    labels: {team: shop}
    tmpfs: ["/run:rw,size=64m"]
    use_api_socket: true
    volumes:
      - /:/host:ro
      - type: bind
        source: /etc
        target: /host-etc
        bind: {propagation: rshared}
      - data:/data
    ports: ["0.0.0.0:2375:2375/tcp"]
volumes:
  data: {}
`, "TAG=2.1")
	c := assets["svc"].Container
	if c == nil {
		t.Fatalf("no svc: %v", assets)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"image from interpolation", c.Image.Ref, "registry.local/app:2.1"},
		{"user from extends", c.User, "1000"},
		{"read_only from extends", c.ReadonlyRootfs, true},
		{"privileged", c.Privileged, true},
		{"cap_add upper-cased", c.Capabilities.Added, []string{"NET_ADMIN", "SYS_ADMIN"}},
		{"cap_drop", c.Capabilities.Dropped, []string{"MKNOD"}},
		{"pid", c.Namespaces.PID, "host"},
		{"ipc service ref", c.Namespaces.IPC, "container:base"},
		{"network_mode", c.Namespaces.Net, "host"},
		{"uts", c.Namespaces.UTS, "host"},
		{"userns_mode", c.Namespaces.User, "host"},
		{"cgroup", c.Namespaces.Cgroup, "host"},
		{"devices", len(c.Devices), 2},
		{"device default permissions", c.Devices[1].CgroupPermissions, "rwm"},
		{"device cgroup rules", c.DeviceCgroupRules, []string{"c 10:229 rwm"}},
		{"seccomp", c.Security.Seccomp, "unconfined"},
		{"apparmor", c.Security.AppArmor, "unconfined"},
		{"systempaths", c.Security.SystemPathsUnconfined, true},
		{"sysctls", c.Sysctls["net.ipv4.ip_forward"], "1"},
		{"runtime", c.Runtime, "runsc"},
		{"sandboxed", c.Sandboxed, true},
		{"cgroup_parent", c.CgroupParent, "/custom"},
		{"mem_limit", c.Resources.Memory, int64(64 << 20)},
		{"pids_limit", c.Resources.PidsLimit, int64(100)},
		{"cpus", c.Resources.NanoCPUs, int64(1_500_000_000)},
		{"working_dir", c.WorkingDir, "/srv"},
		{"env names only", c.EnvNames, []string{"API_TOKEN", "PLAIN"}},
		{"ports", len(c.Ports), 1},
		{"labels", assets["svc"].Labels["team"], "shop"},
		{"compose labels", assets["svc"].Labels["com.docker.compose.service"], "svc"},
	}
	for _, ck := range checks {
		if !equal(ck.got, ck.want) {
			t.Errorf("%s = %#v, want %#v", ck.name, ck.got, ck.want)
		}
	}
	mounts := map[string]audit.Mount{}
	for _, m := range c.Mounts {
		mounts[m.Destination] = m
	}
	for dest, want := range map[string]audit.Mount{
		"/host":                {Type: "bind", Source: "/", Destination: "/host", RW: false},
		"/host-etc":            {Type: "bind", Source: "/etc", Destination: "/host-etc", RW: true, Propagation: "rshared"},
		"/data":                {Type: "volume", Source: "p_data", Name: "p_data", Destination: "/data", RW: true},
		"/run":                 {Type: "tmpfs", Destination: "/run", RW: true},
		"/var/run/docker.sock": {Type: "bind", Source: "/var/run/docker.sock", Destination: "/var/run/docker.sock", RW: true},
	} {
		if got := mounts[dest]; got != want {
			t.Errorf("mount %s = %+v, want %+v", dest, got, want)
		}
	}
}

func TestDeployLimits(t *testing.T) {
	c := load(t, `
services:
  a:
    image: alpine
    deploy: {resources: {limits: {memory: 128m, cpus: "0.25", pids: 50}}}
`)["a"].Container
	if c.Resources.Memory != 128<<20 || c.Resources.NanoCPUs != 250_000_000 || c.Resources.PidsLimit != 50 {
		t.Errorf("resources = %+v", c.Resources)
	}
}

func TestNoSecretValueEntersTheDocument(t *testing.T) {
	assets := load(t, "services:\n  a:\n    image: alpine\n    environment:\n      DB_PASSWORD: ${PW}\n      OTHER: hunter2-literal\n", "PW=hunter2-from-env")
	doc := strings.ToLower(stringOf(assets["a"]))
	if strings.Contains(doc, "hunter2") {
		t.Errorf("a secret value reached the asset: %s", doc)
	}
}

func TestNewRejects(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path, want string
	}{
		{"missing file", filepath.Join(dir, "nope.yaml"), "no such file"},
		{"not yaml", write("bad.yaml", "services: [\n"), "bad.yaml"},
		{"unknown key", write("unknown.yaml", "services:\n  a:\n    image: alpine\n    privileges: true\n"), "privileges"},
		{"wrong type", write("type.yaml", "services:\n  a:\n    image: alpine\n    privileged: maybe\n"), "privileged"},
		{"required variable", write("var.yaml", "services:\n  a:\n    image: ${IMG:?set IMG}\n"), "IMG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := DefaultOptions()
			opts.Path = tt.path
			_, err := New(opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error = %v, want one line mentioning %q", err, tt.want)
			}
		})
	}
}

// TestNewRefusesFilesThatWouldHangOrExhaust: the loader reads every file
// a project names whole and blocking; each reference to a FIFO, a device
// or an oversized file must be refused by name before it reads any.
// Found by hand: `extends: {file: /dev/zero}` ate the machine's memory.
func TestNewRefusesFilesThatWouldHangOrExhaust(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, nil, 0o600); err != nil || os.Truncate(big, maxFileBytes+1) != nil {
		t.Fatal("sparse file", err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	svc := "services:\n  a:\n    image: alpine\n"
	nested := write("sub/nested.yaml", "services:\n  b:\n    image: alpine\n    env_file: ../fifo\n")
	tests := []struct {
		name, path, want string
	}{
		{"the file is a FIFO", fifo, "read " + fifo + ": not a regular file"},
		{"the file is a device", "/dev/zero", "read /dev/zero: not a regular file"},
		{"the file is too large", big, "larger than the 16 MiB limit"},
		{"extends a device", write("ext.yaml", svc+"    extends:\n      file: /dev/zero\n      service: b\n"), "ext.yaml refers to a file it cannot use: read /dev/zero: not a regular file"},
		{"includes a FIFO", write("inc.yaml", "include:\n  - ./fifo\n"+svc), "inc.yaml refers to a file it cannot use: read " + fifo + ": not a regular file"},
		{"includes a long path form", write("incl.yaml", "include:\n  - path: [big.yaml]\n"+svc), "incl.yaml refers to a file it cannot use: read " + big},
		{"env file is a device", write("env.yaml", svc+"    env_file:\n      - path: /dev/zero\n"), "env.yaml refers to a file it cannot use: read /dev/zero"},
		{"an included file's own reference", write("chain.yaml", "include:\n  - sub/nested.yaml\n"+svc), nested + " refers to a file it cannot use: read " + fifo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := newWithin(t, tt.path); err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error = %v, want one line with %q", err, tt.want)
			}
		})
	}
	t.Run(".env is a FIFO", func(t *testing.T) {
		d := t.TempDir()
		if err := syscall.Mkfifo(filepath.Join(d, ".env"), 0o600); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(d, "compose.yaml")
		if err := os.WriteFile(p, []byte(svc), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := newWithin(t, p); err == nil || !strings.Contains(err.Error(), ".env: not a regular file") {
			t.Errorf("error = %v", err)
		}
	})
}

// newWithin loads path, failing the test if that takes 10 s (a read
// blocked on a FIFO).
func newWithin(t *testing.T, path string) error {
	t.Helper()
	opts := DefaultOptions()
	opts.Path = path
	done := make(chan error, 1)
	go func() {
		_, err := New(opts)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("New hung")
		return nil
	}
}
