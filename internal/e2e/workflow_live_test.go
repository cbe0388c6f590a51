package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/isoaudit/isoaudit/internal/cli"
	"github.com/isoaudit/isoaudit/internal/livetest"
	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/schema/schematest"
)

func decodeLive(t *testing.T, data []byte) *audit.Report {
	t.Helper()
	schematest.RequireValidReport(t, data)
	var r audit.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// TestLiveBaselineUnchangedHostHasNoNewFinding scans the real daemon,
// restarts a risky container, scans again against the first report, and
// proves every failure of the assets scanned both times is unchanged: the
// finding ids survive a restart. Other tests share the daemon, so
// containers they add between the scans may be new; the exit code must
// then agree with the count.
func TestLiveBaselineUnchangedHostHasNoNewFinding(t *testing.T) {
	docker := livetest.Docker(t)
	risky := livetest.Container(t, "wf-baseline", nil, &container.HostConfig{
		Binds: []string{"/var/run/docker.sock:/var/run/docker.sock:ro"}, CapAdd: []string{"SYS_PTRACE"},
	}, true)
	dir := t.TempDir()
	old := filepath.Join(dir, "old.json")
	if code, _, stderr := runCLI(t, "scan", "--docker-host", dockerHost(), "--all", "-o", "json="+old); code != cli.ExitOK {
		t.Fatalf("first scan: exit %d: %s", code, stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	timeout := 1
	if _, err := docker.ContainerRestart(ctx, risky, client.ContainerRestartOptions{Timeout: &timeout}); err != nil {
		t.Fatalf("restart %s: %v", risky, err)
	}

	code, stdout, stderr := runCLI(t, "scan", "--docker-host", dockerHost(), "--all", "--baseline", old, "--fail-on-new", "-o", "json")
	r := decodeLive(t, []byte(stdout))
	data, err := os.ReadFile(old)
	if err != nil {
		t.Fatal(err)
	}
	before := decodeLive(t, data)
	known := map[string]bool{}
	for _, a := range before.Assets {
		known[a.ID] = true
	}
	mine := 0
	for _, f := range r.Findings.All() {
		if f.Status != audit.StatusFail || !known[f.AssetID] {
			continue
		}
		if f.Baseline != audit.BaselineUnchanged {
			t.Errorf("%s on %s: baseline %q, want unchanged", f.CheckID, f.AssetID, f.Baseline)
		}
		if strings.HasSuffix(f.AssetID, "/"+risky) {
			mine++
		}
	}
	if mine < 3 {
		t.Fatalf("only %d failures on %s: the socket, SYS_PTRACE and root checks should fail", mine, risky)
	}
	if r.Baseline == nil || r.Baseline.Unchanged == 0 {
		t.Fatalf("baseline section = %+v", r.Baseline)
	}
	if want := map[bool]int{true: cli.ExitOK, false: cli.ExitGate}[r.Baseline.New == 0]; code != want {
		t.Errorf("exit %d with %d new finding(s), want %d (%s)", code, r.Baseline.New, want, stderr)
	}
	for _, f := range r.Baseline.Resolved {
		if strings.HasSuffix(f.AssetID, "/"+risky) {
			t.Errorf("resolved %s on the restarted container", f.CheckID)
		}
	}
}
