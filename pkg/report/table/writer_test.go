package table_test

import (
	"bytes"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/report/internal/golden"
	"github.com/isoaudit/isoaudit/pkg/report/internal/reporttest"
	"github.com/isoaudit/isoaudit/pkg/report/table"
)

func render(t *testing.T, r *audit.Report, opts table.Options) string {
	t.Helper()
	var buf bytes.Buffer
	if err := table.New(opts).Write(&buf, r); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.String()
}

func TestWriteMatchesGolden(t *testing.T) {
	type variant struct {
		suffix string
		opts   table.Options
	}
	variants := []variant{
		{"", table.Options{}},
		{"-show-passed", table.Options{ShowPassed: true}},
		{"-color", table.Options{Color: true}},
	}
	for _, tc := range reporttest.Cases() {
		for _, v := range variants {
			if v.suffix != "" && tc.Name != "representative" {
				continue // the variants only need the rich report
			}
			t.Run(tc.Name+v.suffix, func(t *testing.T) {
				golden.Assert(t, "table-"+tc.Name+v.suffix, []byte(render(t, tc.Report(), v.opts)))
			})
		}
	}
}

func TestFormat(t *testing.T) {
	if got := table.New(table.Options{}).Format(); got != "table" {
		t.Errorf("Format() = %q, want table", got)
	}
}

// TestNoEscapeCodesWithoutColor: plain output (files, CI logs, pipes)
// carries no ANSI sequence and no control character but newlines.
func TestNoEscapeCodesWithoutColor(t *testing.T) {
	for _, tc := range reporttest.Cases() {
		for _, showPassed := range []bool{false, true} {
			out := render(t, tc.Report(), table.Options{ShowPassed: showPassed})
			if i := strings.IndexFunc(out, func(r rune) bool { return r < 0x20 && r != '\n' || r == 0x7f }); i >= 0 {
				t.Errorf("%s (show passed %v): control character %q at byte %d", tc.Name, showPassed, out[i], i)
			}
		}
	}
}

func TestColorOnlyWhenEnabled(t *testing.T) {
	colored := render(t, reporttest.Representative(), table.Options{Color: true})
	for _, want := range []string{
		"\x1b[1;31mCRITICAL\x1b[0m", // severity
		"\x1b[33mMEDIUM  \x1b[0m",   // padded inside the colour, so columns still line up
		"\x1b[1;31mrisk 97.5  grade F\x1b[0m",
		"\x1b[32mrisk 20.0  grade B\x1b[0m",
	} {
		if !strings.Contains(colored, want) {
			t.Errorf("coloured output lacks %q", want)
		}
	}
	stripped := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(colored, "")
	if plain := render(t, reporttest.Representative(), table.Options{}); stripped != plain {
		t.Error("coloured output differs from plain output by more than its escape codes")
	}
}

// TestSanitizesReportText: names, titles and messages come from
// workloads and daemons; they must not reach the terminal as escape
// sequences or bidi overrides, even with colour on.
func TestSanitizesReportText(t *testing.T) {
	r := reporttest.Clean()
	r.Assets[0].Name = "evil\x1b]0;pwned\x07\x1b[2J"
	r.Findings.Update(0, func(f *audit.Finding) { f.Status = audit.StatusError })
	r.Findings.Update(0, func(f *audit.Finding) { f.Message = "bad\u202eevil\r\nline" })
	r.Sources[0].Endpoint = "/tmp/\xff.json"
	for _, color := range []bool{false, true} {
		out := render(t, r, table.Options{Color: color})
		out = regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(out, "") // our own colours
		for _, bad := range []string{"\x1b", "\x07", "\u202e", "\r", "\xff"} {
			if strings.Contains(out, bad) {
				t.Errorf("color %v: output contains %q", color, bad)
			}
		}
		for _, want := range []string{`evil\x1b]0;pwned\x07\x1b[2J`, `bad\u202eevil line`, `/tmp/\xff.json`} {
			if !strings.Contains(out, want) {
				t.Errorf("color %v: output lacks the escaped form %s", color, want)
			}
		}
	}
}

// TestLineWidth: no line over 120 columns; the fixtures have short titles
// and paths, the only things allowed to overflow.
func TestLineWidth(t *testing.T) {
	for _, tc := range reporttest.Cases() {
		for _, showPassed := range []bool{false, true} {
			for i, line := range strings.Split(render(t, tc.Report(), table.Options{ShowPassed: showPassed}), "\n") {
				if n := utf8.RuneCountInString(line); n > 120 {
					t.Errorf("%s line %d has %d columns: %s", tc.Name, i+1, n, line)
				}
			}
		}
	}
}

func TestAssetsByRiskThenName(t *testing.T) {
	out := render(t, reporttest.Representative(), table.Options{})
	var got []string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "  risk ") {
			got = append(got, strings.Fields(line)[0])
		}
	}
	want := []string{"web-1", "api", "db", "build-vm", "node-7"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("asset order = %v, want %v", got, want)
	}
}

func TestFindingsBySeverityThenCheckID(t *testing.T) {
	out := render(t, reporttest.Representative(), table.Options{ShowPassed: true})
	block := out[strings.Index(out, "\nweb-1 "):strings.Index(out, "\napi ")]
	var got []string
	for _, line := range strings.Split(block, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "    ") {
			got = append(got, f[0]+" "+f[1])
		}
	}
	want := []string{
		"CRITICAL CE-ESC-001", "CRITICAL CE-PRIV-001", "HIGH CE-CAP-002", "HIGH CE-LSM-001",
		"MEDIUM CE-MNT-003", "LOW CE-RES-001", "INFO CE-IMG-002", "UNKNOWN KH-006",
		"WAIVED CE-SOCK-001", "PASS CE-USER-001",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("finding order:\n got  %v\n want %v", got, want)
	}
}

func TestWriteContent(t *testing.T) {
	out := render(t, reporttest.Representative(), table.Options{})
	tests := []struct {
		name, want string
	}{
		{"header", "isoaudit 0.0.0-test · 2026-07-01T12:00:03Z\n"},
		{"source error shown", "  error    libvirt  qemu:///system\n    error: connect to libvirt:"},
		{"skipped source", "  skipped  vbox     /vms/old/old.vbox\n"},
		{"asset line", "\nweb-1  container/docker  risk 97.5  grade F\n"},
		{"fix is the first sentence", "    fix: Recreate the container without --privileged; grant only the capabilities and devices it needs.\n"},
		{"fix folds a wrapped first line", "    fix: Remove CAP_SYS_ADMIN, keep the AppArmor profile and move the host to cgroup v2.\n"},
		{"fix keeps abbreviations", "    fix: Set --pids-limit (e.g. 512) to stop fork bombs from exhausting the host.\n"},
		{"evidence bool", "    evidence: HostConfig.Privileged=true (expected false)\n"},
		{"evidence string", "    evidence: AppArmorProfile=unconfined (expected docker-default or a custom profile)\n"},
		{"evidence number", "    evidence: HostConfig.PidsLimit=0 (expected > 0)\n"},
		{"evidence list, more items", "    evidence: HostConfig.CapAdd=[SYS_ADMIN] (expected SYS_ADMIN not added) (+2 more)\n"},
		{"evidence object", "    evidence: Mounts[1]={destination: /host/etc, rw: true, source: /etc} (expected read-only or absent)\n"},
		{"long list shortened", ", +"},
		{"chain", "    chain: CE-CAP-002, CE-LSM-001, KH-003\n"},
		{"mitigated", "Sensitive host path mounted read-write (mitigated by userns-remap: weight ×0.25)\n"},
		{"unknown with reason", "  UNKNOWN   KH-006       Kernel lacks fixes for known container escapes [high]\n    reason: host facts missing"},
		{"error with message", "  ERROR     CE-LSM-003   Seccomp profile disabled [medium]\n    error: evaluate condition: no such key: seccomp_profile\n"},
		{"hidden counts", "  (1 passed, 1 waived not shown)\n"},
		{"all passed", "\nnode-7  host/linux  risk 0.0  grade A\n  no failing findings (2 passed not shown)\n"},
		{"summary", "\n5 assets · max risk 97.5 · critical 2, high 4, medium 2, low 3 · unknown 2 · errors 3\n"},
		{"incomplete", "scan incomplete: 1 source failed, 2 scan errors\n"},
		{"gate", "gate: fail\n  - 6 failed findings with severity >= high (--fail-on high)\n  - max risk 97.5 is above --max-risk 80\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(out, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, out)
			}
		})
	}
}

func TestFindingsOfUnknownAssetsAreShown(t *testing.T) {
	r := reporttest.Clean()
	r.Findings.Append(audit.Finding{
		ID: audit.FindingID("CE-PRIV-001", "ci", "ghost"), CheckID: "CE-PRIV-001", AssetID: "docker/ci/ghost",
		Status: audit.StatusFail, Severity: audit.SeverityCritical, Title: "Container runs privileged",
	})
	out := render(t, r, table.Options{})
	if !strings.Contains(out, "\ndocker/ci/ghost  (asset not in report)\n  CRITICAL  CE-PRIV-001  Container runs privileged\n") {
		t.Errorf("orphan finding missing:\n%s", out)
	}
}

func TestWriteDoesNotModifyReport(t *testing.T) {
	r, want := reporttest.Representative(), reporttest.Representative()
	render(t, r, table.Options{ShowPassed: true, Color: true})
	if !reflect.DeepEqual(r, want) {
		t.Error("Write modified the report")
	}
}

func TestWriteNilReport(t *testing.T) {
	if err := table.New(table.Options{}).Write(&bytes.Buffer{}, nil); err == nil {
		t.Error("Write(nil) succeeded")
	}
}

type failingWriter struct{}

var errClosed = errors.New("pipe closed")

func (failingWriter) Write([]byte) (int, error) { return 0, errClosed }

func TestWritePropagatesWriterError(t *testing.T) {
	if err := table.New(table.Options{}).Write(failingWriter{}, reporttest.Clean()); !errors.Is(err, errClosed) {
		t.Errorf("Write error = %v, want it to wrap %v", err, errClosed)
	}
}
