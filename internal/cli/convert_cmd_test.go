package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/report"
)

// TestConvertEqualsScanOutput scans an offline inspect file once into
// every format, converts the saved JSON into every format, and compares
// the bytes: convert must reproduce what the scan wrote.
func TestConvertEqualsScanOutput(t *testing.T) {
	dir := t.TempDir()
	scanArgs := []string{"scan", "--inspect", testdata("risky.json")}
	convArgs := []string{"convert", filepath.Join(dir, "scan.json")}
	for _, f := range report.Formats() {
		scanArgs = append(scanArgs, "-o", f+"="+filepath.Join(dir, "scan."+f))
		convArgs = append(convArgs, "-o", f+"="+filepath.Join(dir, "conv."+f))
	}
	if code, _, stderr := run(t, "", scanArgs...); code != ExitGate && code != ExitOK {
		t.Fatalf("scan exit %d: %s", code, stderr)
	}
	if code, stdout, stderr := run(t, "", convArgs...); code != ExitOK || stdout != "" {
		t.Fatalf("convert exit %d, stdout %q: %s", code, stdout, stderr)
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
			t.Errorf("%s: converted output (%d bytes) differs from the scan's (%d bytes)", f, len(conv), len(live))
		}
	}
}

func TestConvertReadsStdinToStdout(t *testing.T) {
	_, saved, _ := run(t, "", "scan", "--inspect", testdata("risky.json"), "-o", "json")
	code, stdout, stderr := run(t, saved, "convert", "-", "-o", "json")
	if code != ExitOK || stdout != saved {
		t.Errorf("exit %d, stderr %q; json via stdin differs from the saved report", code, stderr)
	}
	code, stdout, _ = run(t, saved, "convert", "-")
	if code != ExitOK || !strings.Contains(stdout, "CE-PRIV-001") {
		t.Errorf("default table: exit %d\n%s", code, stdout)
	}
}

func TestConvertBadInputExit2WithOneLine(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	notJSON := write("notjson.json", "hello")
	v2 := write("v2.json", `{"schema_version":"2.0","created_at":"2026-07-01T12:00:03Z"}`)
	inspect := testdata("risky.json") // a docker inspect file, not a report
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing file", []string{"convert", "/nonexistent/r.json"}, "read report /nonexistent/r.json"},
		{"not JSON", []string{"convert", notJSON}, "read report " + notJSON + ": decode json report: invalid JSON"},
		{"other major", []string{"convert", v2}, `schema_version "2.0"`},
		{"not a report", []string{"convert", inspect}, "read report " + inspect},
		{"no file", []string{"convert"}, "accepts 1 arg"},
		{"bad format", []string{"convert", notJSON, "-o", "yaml"}, "read report"},
		{"empty stdin", []string{"convert", "-"}, "read report stdin: decode json report: empty input"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := run(t, "", tc.args...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d (%q)", code, ExitUsage, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q lacks %q", stderr, tc.want)
			}
			if strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("stderr is not one line: %q", stderr)
			}
		})
	}
}
