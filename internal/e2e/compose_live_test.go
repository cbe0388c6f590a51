package e2e

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/isoaudit/isoaudit/internal/cli"
	"github.com/isoaudit/isoaudit/internal/livetest"
	"github.com/isoaudit/isoaudit/pkg/audit"
)

// TestLiveComposeMatchesCreatedContainer audits a Compose service before
// it runs and the same container created on the real daemon, and proves
// both get the same verdicts from the same checks: every check that fails
// offline fails live, and a live failure is missing offline only when the
// offline verdict is unknown (host facts such as the cgroup version cannot
// be seen before deploy).
func TestLiveComposeMatchesCreatedContainer(t *testing.T) {
	livetest.Docker(t)
	image := livetest.BusyboxImage(t)
	name := livetest.Container(t, "wf-compose", &container.Config{Image: image}, &container.HostConfig{
		Privileged: true, Binds: []string{"/var/run/docker.sock:/var/run/docker.sock"},
	}, false) // privileged containers cannot start here; --all audits created ones

	dir := t.TempDir()
	composeFile := filepath.Join(dir, "compose.yaml")
	spec := "services:\n  agent:\n    image: " + image + "\n    privileged: true\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n"
	if err := os.WriteFile(composeFile, []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}

	code, offlineOut, stderr := runCLI(t, "scan", "--compose", composeFile, "-o", "json")
	if code != cli.ExitOK {
		t.Fatalf("compose scan: exit %d: %s", code, stderr)
	}
	code, liveOut, stderr := runCLI(t, "scan", "--docker-host", dockerHost(), "--all", "-o", "json")
	if code != cli.ExitOK && code != cli.ExitIncomplete { // other tests' containers may vanish mid-scan
		t.Fatalf("live scan: exit %d: %s", code, stderr)
	}
	offline := statuses(decodeLive(t, []byte(offlineOut)), "compose://compose.yaml/agent")
	live := statuses(decodeLive(t, []byte(liveOut)), "/"+name)
	if len(offline) == 0 || len(live) == 0 {
		t.Fatalf("no findings: offline %d, live %d", len(offline), len(live))
	}
	if len(offline) != len(live) {
		t.Errorf("offline ran %d checks, live %d", len(offline), len(live))
	}
	for _, must := range []string{"CE-PRIV-001", "CE-SOCK-001", "CE-CHAIN-001", "CE-CHAIN-002"} {
		if offline[must] != audit.StatusFail || live[must] != audit.StatusFail {
			t.Errorf("%s: offline %s, live %s; want fail in both", must, offline[must], live[must])
		}
	}
	var offlineFail, liveFail, unknownOffline []string
	for id, st := range live {
		off := offline[id]
		if st == audit.StatusFail {
			liveFail = append(liveFail, id)
		}
		if off == audit.StatusFail {
			offlineFail = append(offlineFail, id)
		}
		if off == audit.StatusUnknown {
			unknownOffline = append(unknownOffline, id)
			continue
		}
		if off != st {
			t.Errorf("%s: offline %s, live %s", id, off, st)
		}
	}
	sort.Strings(offlineFail)
	sort.Strings(liveFail)
	sort.Strings(unknownOffline)
	t.Logf("failed offline %v; failed live %v; unknown offline (host facts) %v", offlineFail, liveFail, unknownOffline)
}

// statuses maps check id to status for the asset whose id ends in suffix.
func statuses(r *audit.Report, suffix string) map[string]audit.Status {
	out := map[string]audit.Status{}
	for _, f := range r.Findings.All() {
		if strings.HasSuffix(f.AssetID, suffix) {
			out[f.CheckID] = f.Status
		}
	}
	return out
}
