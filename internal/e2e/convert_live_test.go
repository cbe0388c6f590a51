package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/isoaudit/isoaudit/internal/cli"
	"github.com/isoaudit/isoaudit/internal/livetest"
	"github.com/isoaudit/isoaudit/pkg/report"
	"github.com/isoaudit/isoaudit/schema/schematest"
)

// TestLiveConvertEqualsScan scans the real daemon once into every format,
// converts the saved JSON into every format, and compares bytes: what
// `isoaudit convert` renders equals what the live scan wrote.
func TestLiveConvertEqualsScan(t *testing.T) {
	livetest.Docker(t)
	livetest.Container(t, "convert", nil, &container.HostConfig{
		Binds:  []string{"/var/run/docker.sock:/var/run/docker.sock"},
		CapAdd: []string{"SYS_ADMIN"},
	}, true)
	dir := t.TempDir()
	scanArgs := []string{"scan", "--docker-host", dockerHost(), "--all"}
	convArgs := []string{"convert", filepath.Join(dir, "scan.json")}
	for _, f := range report.Formats() {
		scanArgs = append(scanArgs, "-o", f+"="+filepath.Join(dir, "scan."+f))
		convArgs = append(convArgs, "-o", f+"="+filepath.Join(dir, "conv."+f))
	}
	if code, _, stderr := runCLI(t, scanArgs...); code != cli.ExitOK {
		t.Fatalf("scan exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, convArgs...); code != cli.ExitOK {
		t.Fatalf("convert exit %d: %s", code, stderr)
	}
	for _, f := range report.Formats() {
		live, err := os.ReadFile(filepath.Join(dir, "scan."+f))
		if err != nil {
			t.Fatal(err)
		}
		conv, err := os.ReadFile(filepath.Join(dir, "conv."+f))
		if err != nil {
			t.Fatal(err)
		}
		if len(live) == 0 || !bytes.Equal(live, conv) {
			t.Errorf("%s: converted output (%d bytes) differs from the live scan's (%d bytes)", f, len(conv), len(live))
		}
		if f == "sarif" {
			schematest.SARIF.Require(t, live)
		}
	}
}
