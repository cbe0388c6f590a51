package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/strslice"
	"github.com/moby/moby/client"

	"github.com/isoaudit/isoaudit/internal/livetest"
	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/schema/schematest"
)

// selfPair ties a HOST-SELF check (what the process sees from inside) to
// the daemon-side container checks that describe the same fact.
// implies: any of these failing on the daemon side means the self check
// must fail; impliedBy: the self check failing means one of these must
// have failed on the daemon side (nil: the inside view sees more than
// the daemon checks judge, e.g. any read-write bind, not only sensitive
// paths).
type selfPair struct {
	self      string
	implies   []string
	impliedBy []string
}

var selfPairs = []selfPair{
	{"HOST-SELF-001", []string{"CE-CAP-001", "CE-CAP-002", "CE-CAP-003", "CE-CAP-004", "CE-CAP-005"},
		[]string{"CE-PRIV-001", "CE-CAP-001", "CE-CAP-002", "CE-CAP-003", "CE-CAP-004", "CE-CAP-005", "CE-CAP-006"}},
	{"HOST-SELF-002", []string{"CE-LSM-001"}, []string{"CE-LSM-001", "CE-PRIV-001"}},
	{"HOST-SELF-003", []string{"CE-SOCK-001"}, []string{"CE-SOCK-001"}},
	{"HOST-SELF-004", []string{"CE-NS-001"}, []string{"CE-NS-001"}},
	{"HOST-SELF-005", []string{"CE-MNT-002", "CE-LSM-005"}, []string{"CE-MNT-002", "CE-MNT-003", "CE-LSM-005", "CE-PRIV-001"}},
	{"HOST-SELF-007", []string{"CE-MNT-001"}, nil},
	{"HOST-SELF-008", []string{"CE-DEV-001"}, []string{"CE-DEV-001", "CE-MNT-005", "CE-PRIV-001"}},
}

// TestLiveSelfAuditAgreesWithDaemon copies the static isoaudit binary into
// risky containers on the real daemon, runs `isoaudit scan --self` inside
// each, and compares what the process saw with the daemon-side scan of
// the same container. Privileged containers cannot start on every CI
// machine, so only startable profiles run inside.
func TestLiveSelfAuditAgreesWithDaemon(t *testing.T) {
	cli := livetest.Docker(t)
	bin := buildStatic(t)
	cases := []struct {
		name     string
		host     container.HostConfig
		wantSelf []string
	}{
		{"default", container.HostConfig{}, nil},
		{"sys-admin", container.HostConfig{CapAdd: strslice.StrSlice{"SYS_ADMIN"}}, []string{"HOST-SELF-001"}},
		{"docker-sock-ro", container.HostConfig{Binds: []string{"/var/run/docker.sock:/var/run/docker.sock:ro"}}, []string{"HOST-SELF-003"}},
		{"hostpid", container.HostConfig{PidMode: "host"}, []string{"HOST-SELF-004"}},
		{"seccomp-unconfined", container.HostConfig{SecurityOpt: []string{"seccomp=unconfined"}}, []string{"HOST-SELF-002"}},
		{"host-proc", container.HostConfig{Binds: []string{"/proc:/host/proc"}}, []string{"HOST-SELF-005"}},
		{"host-etc-rw", container.HostConfig{Binds: []string{"/etc:/host/etc"}}, []string{"HOST-SELF-007"}},
	}
	if dev := firstBlockDevice(); dev != "" {
		cases = append(cases, struct {
			name     string
			host     container.HostConfig
			wantSelf []string
		}{"block-device", container.HostConfig{Resources: container.Resources{Devices: []container.DeviceMapping{
			{PathOnHost: dev, PathInContainer: "/dev/xvdz", CgroupPermissions: "r"}}}}, []string{"HOST-SELF-008"}})
	}
	selfFails := map[string][]string{} // container name → failing HOST-SELF ids
	names := map[string]string{}       // case → container name
	for _, c := range cases {
		cfg := container.Config{Cmd: strslice.StrSlice{"/isoaudit", "scan", "--self", "-o", "json"}}
		name := livetest.Container(t, "self-"+c.name, &cfg, &c.host, false)
		names[c.name] = name
		selfFails[name] = runSelf(t, cli, name, bin)
	}
	rep := liveScan(t, true)
	byName := map[string]audit.AssetResult{}
	for _, a := range rep.Assets {
		byName[a.Name] = a
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := names[c.name]
			self := selfFails[name]
			a, ok := byName[name]
			if !ok {
				t.Fatalf("container %s not in the daemon-side report", name)
			}
			daemon := failing(rep, a.ID)
			t.Logf("inside: %v; daemon side: %s", self, keys(daemon))
			if !slices.Equal(self, c.wantSelf) {
				t.Errorf("inside the container HOST-SELF failures %v, want %v", self, c.wantSelf)
			}
			for _, p := range selfPairs {
				selfFailed := slices.Contains(self, p.self)
				for _, id := range p.implies {
					if _, ok := daemon[id]; ok && !selfFailed {
						t.Errorf("daemon side %s failed, but %s did not fail inside", id, p.self)
					}
				}
				if selfFailed && p.impliedBy != nil && !slices.ContainsFunc(p.impliedBy, func(id string) bool { _, ok := daemon[id]; return ok }) {
					t.Errorf("%s failed inside, but none of %v on the daemon side", p.self, p.impliedBy)
				}
			}
		})
	}
}

// runSelf copies bin into the created container, starts it and returns
// the HOST-SELF checks that failed in its JSON report.
func runSelf(t *testing.T, cli *client.Client, name, bin string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	var archive bytes.Buffer
	tw := tar.NewWriter(&archive)
	if err := tw.WriteHeader(&tar.Header{Name: "isoaudit", Mode: 0o755, Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.CopyToContainer(ctx, name, client.CopyToContainerOptions{DestinationPath: "/", Content: &archive}); err != nil {
		t.Fatalf("copy isoaudit into %s: %v", name, err)
	}
	wait := cli.ContainerWait(ctx, name, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
	if _, err := cli.ContainerStart(ctx, name, client.ContainerStartOptions{}); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	select {
	case res := <-wait.Result:
		if res.StatusCode != 0 {
			t.Errorf("%s: isoaudit scan --self exited %d", name, res.StatusCode)
		}
	case err := <-wait.Error:
		t.Fatalf("wait for %s: %v", name, err)
	}
	logs, err := cli.ContainerLogs(ctx, name, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	var stdout, stderr bytes.Buffer
	if _, err := stdcopy.StdCopy(&stdout, &stderr, logs); err != nil {
		t.Fatal(err)
	}
	schematest.RequireValidReport(t, stdout.Bytes())
	var rep struct {
		Assets []struct {
			Kind string `json:"kind"`
		} `json:"assets"`
		Findings []struct {
			CheckID string `json:"check_id"`
			Status  string `json:"status"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("%s: report is not JSON (%v); stderr: %s", name, err, stderr.String())
	}
	if len(rep.Assets) != 1 || rep.Assets[0].Kind != "host" {
		t.Fatalf("%s: assets %+v, want the one host asset", name, rep.Assets)
	}
	var out []string
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.CheckID, "HOST-SELF-") && f.Status == "fail" {
			out = append(out, f.CheckID)
		}
		if f.Status == "error" {
			t.Errorf("%s: %s errored inside", name, f.CheckID)
		}
	}
	slices.Sort(out)
	return out
}

// buildStatic builds a static isoaudit binary that runs in any image.
func buildStatic(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "isoaudit")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/isoaudit/isoaudit/cmd/isoaudit")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build static isoaudit: %v\n%s", err, out)
	}
	return bin
}

// firstBlockDevice returns a block device node of this machine to pass
// into a container read-only, "" when none is visible.
func firstBlockDevice() string {
	for _, p := range []string{"/dev/vda", "/dev/sda", "/dev/nvme0n1", "/dev/xvda"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode()&os.ModeDevice != 0 && fi.Mode()&os.ModeCharDevice == 0 {
			return p
		}
	}
	return ""
}
