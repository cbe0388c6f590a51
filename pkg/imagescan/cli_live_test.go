//go:build goexperiment.jsonv2

package imagescan_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/isoaudit/isoaudit/internal/cli"
	"github.com/isoaudit/isoaudit/internal/livetest"
	"github.com/isoaudit/isoaudit/pkg/audit"
	. "github.com/isoaudit/isoaudit/pkg/imagescan"
	"github.com/isoaudit/isoaudit/schema/schematest"
)

// TestLiveCLIImageScan runs `isoaudit scan` as a user would, with the
// fixture DB, --offline and debug logging: the vulnerable container's
// finding names the CVE and its fix, the report lists the trivy source,
// and the secret's text is in neither the report nor the log.
func TestLiveCLIImageScan(t *testing.T) {
	livetest.Docker(t)
	dbDir := WriteFixtureDB(t)
	files := AlpineFiles("1.7.1-r0")
	files["root/.ssh/id_rsa"] = "-----BEGIN RSA PRIVATE KEY-----\n" + FakeKeyBody + "\n" + FakeKeyBody + "\n-----END RSA PRIVATE KEY-----\n"
	ref := livetest.UniqueRepo(t, "isoaudit-test/imagescan-cli") + ":1"
	livetest.LoadImage(t, livetest.ImageSpec{Files: files, User: "1000"}, ref)
	name := livetest.Container(t, "imgcli", &container.Config{Image: ref}, nil, true)

	out := filepath.Join(t.TempDir(), "report.json")
	var stdout, stderr bytes.Buffer
	code := cli.Run(context.Background(), []string{"scan", "--trivy-db", dbDir, "--offline", "--image-scan", "on",
		"--log-level", "debug", "-o", "json=" + out}, cli.Streams{In: strings.NewReader(""), Out: &stdout, Err: &stderr})
	if code != cli.ExitOK && code != cli.ExitIncomplete { // other tests' images may vanish mid-scan
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data)+stderr.String()+stdout.String(), "isoauditFixtureNotARealKey") {
		t.Fatal("the secret's text reached the report or the log")
	}
	schematest.RequireValidReport(t, data)
	var rep audit.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	var trivySource *audit.Source
	for i := range rep.Sources {
		if rep.Sources[i].Kind == SourceKind {
			trivySource = &rep.Sources[i]
		}
	}
	if trivySource == nil || trivySource.Status != audit.SourceOK || trivySource.Endpoint != dbDir {
		t.Fatalf("trivy source = %+v", trivySource)
	}
	f := FindingsOf(&rep, name)
	if f["CE-IMG-010"].Status != audit.StatusFail || !strings.Contains(EvidenceText(f["CE-IMG-010"]), FixtureCVE+" high jq 1.7.1-r0 fixed in "+FixtureFixed) {
		t.Errorf("CE-IMG-010 = %s %s", f["CE-IMG-010"].Status, EvidenceText(f["CE-IMG-010"]))
	}
	if f["CE-IMG-011"].Status != audit.StatusFail {
		t.Errorf("CE-IMG-011 = %s", f["CE-IMG-011"].Status)
	}
}
