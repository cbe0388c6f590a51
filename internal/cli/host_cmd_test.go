package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/schema/schematest"
)

func hostRoot(name string) string { return filepath.Join("..", "..", "testdata", "hostroots", name) }

func TestHostFlagErrorsExit2(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"missing root", []string{"scan", "--root", "/nonexistent/root"}, "--root /nonexistent/root"},
		{"root is a file", []string{"scan", "--root", testdata("risky.json")}, "not a directory"},
		{"self with root", []string{"scan", "--self", "--root", hostRoot("eol-debian10")}, "--self"},
		{"self with a source", []string{"scan", "--self", "--inspect", testdata("risky.json")}, "--self"},
		{"root without host", []string{"scan", "--root", hostRoot("eol-debian10"), "--no-host"}, "--no-host"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, "", tt.args...)
			if code != ExitUsage || !strings.Contains(stderr, tt.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("exit %d stderr %q, want %d and one line containing %q", code, stderr, ExitUsage, tt.want)
			}
		})
	}
}

// TestScanRootAuditsTheMountedFilesystem: --root alone audits that tree
// as one host asset and nothing else (no discovery).
func TestScanRootAuditsTheMountedFilesystem(t *testing.T) {
	code, stdout, stderr := run(t, "", "scan", "--root", hostRoot("upstream-5.10.50"), "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	schematest.RequireValidReport(t, []byte(stdout))
	var rep audit.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Sources) != 1 || rep.Sources[0].Kind != "host" || !strings.HasPrefix(rep.Sources[0].Endpoint, "root:") {
		t.Fatalf("sources %+v, want the one host root", rep.Sources)
	}
	if len(rep.Assets) != 1 || rep.Assets[0].Kind != audit.KindHost || rep.Assets[0].Name != "old-host" || rep.Assets[0].Platform != "linux" {
		t.Fatalf("assets %+v", rep.Assets)
	}
	failed := map[string]bool{}
	for _, f := range rep.Findings.All() {
		failed[f.CheckID] = f.Status == audit.StatusFail
	}
	for _, id := range []string{"CVE-KERN-007", "HOST-CHAIN-001", "HOST-DAEMON-001"} {
		if !failed[id] {
			t.Errorf("%s did not fail", id)
		}
	}
}

// TestHostAssetOnlyForLiveLocalSources: offline files describe other
// machines, so they add no host asset; --no-host removes it from a
// local daemon scan.
func TestHostAssetOnlyForLiveLocalSources(t *testing.T) {
	for _, tt := range []struct {
		flags scanFlags
		want  bool
	}{
		{scanFlags{}, true}, // discovery
		{scanFlags{noHost: true}, false},
		{scanFlags{inspectFiles: []string{"x.json"}}, false},
		{scanFlags{dockerHosts: []string{"unix:///var/run/docker.sock"}}, true},
		{scanFlags{dockerHosts: []string{"tcp://10.0.0.1:2376"}}, false},
		{scanFlags{libvirtURI: "qemu:///system"}, true},
		{scanFlags{root: "/mnt/img"}, true},
		{scanFlags{self: true}, true},
	} {
		if got := tt.flags.auditsHost(); got != tt.want {
			t.Errorf("%+v: auditsHost = %v, want %v", tt.flags, got, tt.want)
		}
	}
}
