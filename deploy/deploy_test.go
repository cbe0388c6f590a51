// Package deploy_test checks the scheduler manifests under deploy/: they
// parse, mount what isoaudit reads (read-only) and nothing writable, run
// with no capability, and call isoaudit with flags and inventories that
// the CLI really accepts.
package deploy_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/isoaudit/isoaudit/internal/cli"
	"github.com/isoaudit/isoaudit/pkg/inventory"
)

// Just the parts of the Kubernetes objects the tests read.
type object struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name      string `yaml:"name"`
		Namespace string `yaml:"namespace"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		Schedule    string      `yaml:"schedule"`
		Template    podTemplate `yaml:"template"`
		JobTemplate struct {
			Spec struct {
				Template podTemplate `yaml:"template"`
			} `yaml:"spec"`
		} `yaml:"jobTemplate"`
	} `yaml:"spec"`
}

type podTemplate struct {
	Spec struct {
		AutomountServiceAccountToken *bool       `yaml:"automountServiceAccountToken"`
		Containers                   []container `yaml:"containers"`
		Volumes                      []struct {
			Name     string `yaml:"name"`
			HostPath *struct {
				Path string `yaml:"path"`
			} `yaml:"hostPath"`
			Secret    *struct{ SecretName string } `yaml:"secret"`
			ConfigMap *struct{ Name string }       `yaml:"configMap"`
		} `yaml:"volumes"`
	} `yaml:"spec"`
}

type container struct {
	Command         []string `yaml:"command"`
	Args            []string `yaml:"args"`
	SecurityContext struct {
		ReadOnlyRootFilesystem   bool  `yaml:"readOnlyRootFilesystem"`
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		Privileged               bool  `yaml:"privileged"`
		Capabilities             struct {
			Add  []string `yaml:"add"`
			Drop []string `yaml:"drop"`
		} `yaml:"capabilities"`
	} `yaml:"securityContext"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
}

func loadObjects(t *testing.T, path string) []object {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []object
	for {
		var o object
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if o.APIVersion == "" || o.Kind == "" || o.Metadata.Name == "" {
			t.Errorf("%s: object without apiVersion, kind or name: %+v", path, o)
		}
		out = append(out, o)
	}
}

func find(t *testing.T, objs []object, kind string) object {
	t.Helper()
	for _, o := range objs {
		if o.Kind == kind {
			return o
		}
	}
	t.Fatalf("no %s", kind)
	return object{}
}

// isoauditArgs returns the arguments isoaudit is called with: the args of
// its entrypoint, or the words after the binary in a shell script.
func isoauditArgs(t *testing.T, c container) []string {
	t.Helper()
	if len(c.Command) == 0 {
		return c.Args
	}
	for _, line := range strings.Split(strings.Join(c.Args, "\n"), "\n") {
		if _, rest, ok := strings.Cut(line, "/usr/local/bin/isoaudit "); ok {
			return strings.Fields(rest)
		}
	}
	t.Fatalf("no isoaudit call in %q", c.Args)
	return nil
}

// requireRealFlags fails for a subcommand or flag the CLI does not have,
// or a flag value the CLI rejects when it parses flags.
func requireRealFlags(t *testing.T, args []string) {
	t.Helper()
	root := cli.NewRoot(cli.Streams{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard})
	cmd, rest, err := root.Find(args)
	if err != nil || cmd == root {
		t.Fatalf("isoaudit %v: no such command (%v)", args, err)
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Errorf("isoaudit %s: %v", strings.Join(args, " "), err)
	}
	checkFlagsKnown(t, cmd, rest)
}

func checkFlagsKnown(t *testing.T, cmd *cobra.Command, args []string) {
	t.Helper()
	for _, a := range args {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "--") && cmd.Flags().Lookup(name) == nil {
			t.Errorf("isoaudit %s: unknown flag --%s", cmd.Name(), name)
		}
	}
}

func TestDaemonSet(t *testing.T) {
	objs := loadObjects(t, filepath.Join("kubernetes", "daemonset.yaml"))
	ds := find(t, objs, "DaemonSet")
	pod := ds.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	requireHardened(t, c)
	args := isoauditArgs(t, c)
	requireRealFlags(t, args)
	hostPaths := map[string]string{}
	for _, v := range pod.Volumes {
		if v.HostPath != nil {
			hostPaths[v.Name] = v.HostPath.Path
		}
	}
	mounted := map[string]bool{}
	for _, m := range c.VolumeMounts {
		if hp, ok := hostPaths[m.Name]; ok {
			if !m.ReadOnly {
				t.Errorf("host path %s mounted writable at %s", hp, m.MountPath)
			}
			if hp == "/" && m.MountPath == "/host" && slices.Contains(args, "--root") {
				mounted[hp] = true // the node's root, audited with --root /host
				continue
			}
			if hp != m.MountPath {
				t.Errorf("host path %s mounted at %s: discovery looks at the host's own path", hp, m.MountPath)
			}
			mounted[hp] = true
		}
	}
	for _, want := range []string{"/var/run/docker.sock", "/var/run/libvirt/libvirt-sock-ro", "/"} {
		if !mounted[want] {
			t.Errorf("%s is not mounted", want)
		}
	}
	if len(hostPaths) != len(mounted) {
		t.Errorf("host paths %v declared, %v mounted", hostPaths, mounted)
	}
	if a := pod.AutomountServiceAccountToken; a == nil || *a {
		t.Error("the pod needs no Kubernetes API token")
	}
}

func TestCronJob(t *testing.T) {
	objs := loadObjects(t, filepath.Join("kubernetes", "cronjob.yaml"))
	cj := find(t, objs, "CronJob")
	if len(strings.Fields(cj.Spec.Schedule)) != 5 {
		t.Errorf("schedule %q", cj.Spec.Schedule)
	}
	pod := cj.Spec.JobTemplate.Spec.Template.Spec
	c := pod.Containers[0]
	requireHardened(t, c)
	args := isoauditArgs(t, c)
	requireRealFlags(t, args)
	for _, v := range pod.Volumes {
		if v.HostPath != nil {
			t.Errorf("the fleet job mounts host path %s: it needs none", v.HostPath.Path)
		}
	}
	// The inventory in the ConfigMap is valid, and every certificate
	// directory it names is mounted.
	cm := find(t, objs, "ConfigMap")
	dir := t.TempDir()
	p := filepath.Join(dir, "inventory.yaml")
	if err := os.WriteFile(p, []byte(cm.Data["inventory.yaml"]), 0o600); err != nil {
		t.Fatal(err)
	}
	inv, err := inventory.Load(p)
	if err != nil {
		t.Fatalf("inventory in the ConfigMap: %v", err)
	}
	mounts := map[string]bool{}
	for _, m := range c.VolumeMounts {
		mounts[m.MountPath] = m.ReadOnly
	}
	for _, e := range inv.Endpoints {
		if ro, ok := mounts[e.CertPath]; e.CertPath != "" && (!ok || !ro) {
			t.Errorf("endpoint %s: tls_cert_path %s is not mounted read-only", e.Name, e.CertPath)
		}
	}
	if !slicesContain(args, "/etc/isoaudit/inventory.yaml") || !mounts["/etc/isoaudit/inventory.yaml"] {
		t.Errorf("the inventory is not passed or not mounted: args %v", args)
	}
}

func requireHardened(t *testing.T, c container) {
	t.Helper()
	sc := c.SecurityContext
	if !sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || sc.Privileged ||
		len(sc.Capabilities.Add) > 0 || !slicesContain(sc.Capabilities.Drop, "ALL") {
		t.Errorf("security context %+v: want a read-only root, no privilege escalation and every capability dropped", sc)
	}
}

func TestSystemdUnits(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("systemd", "isoaudit.service"))
	if err != nil {
		t.Fatal(err)
	}
	var exec string
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "ExecStart=/usr/local/bin/isoaudit "); ok {
			exec = v
		}
	}
	if exec == "" {
		t.Fatal("no ExecStart running /usr/local/bin/isoaudit")
	}
	requireRealFlags(t, strings.Fields(exec))
	for _, want := range []string{"CapabilityBoundingSet=\n", "NoNewPrivileges=yes", "ProtectSystem=strict", "DynamicUser=yes"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("isoaudit.service lacks %q", strings.TrimSpace(want))
		}
	}
	verifyUnits(t, string(data))
}

// verifyUnits runs systemd-analyze verify on both units (the service's
// binary swapped for /bin/true, which exists everywhere) and fails on any
// complaint, unknown keys included.
func verifyUnits(t *testing.T, service string) {
	t.Helper()
	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed: unit files checked for their isoaudit flags only")
	}
	dir := t.TempDir()
	service = strings.ReplaceAll(service, "ExecStart=/usr/local/bin/isoaudit ", "ExecStart=/bin/true ")
	timer, err := os.ReadFile(filepath.Join("systemd", "isoaudit.timer"))
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"isoaudit.service": service, "isoaudit.timer": string(timer)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(tool, "verify", filepath.Join(dir, "isoaudit.service"), filepath.Join(dir, "isoaudit.timer"))
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

func slicesContain(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
