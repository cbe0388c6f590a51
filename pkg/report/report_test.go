package report_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/report"
	"github.com/isoaudit/isoaudit/pkg/report/internal/golden"
	"github.com/isoaudit/isoaudit/pkg/report/internal/reporttest"
	reportjson "github.com/isoaudit/isoaudit/pkg/report/json"
	"github.com/isoaudit/isoaudit/schema/schematest"
)

func TestFormats(t *testing.T) {
	want := []string{"cef", "json", "junit", "ocsf", "prometheus", "sarif", "syslog", "table"}
	if got := report.Formats(); !slices.Equal(got, want) {
		t.Errorf("Formats() = %v, want %v", got, want)
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name, format, wantFormat, wantErr string
	}{
		{"json", "json", "json", ""},
		{"table", "table", "table", ""},
		{"case and space are ignored", " JSON ", "json", ""},
		{"unknown format lists the supported ones", "x", "", `unknown output format "x" (supported: cef, json, junit, ocsf, prometheus, sarif, syslog, table)`},
		{"empty format", "", "", `unknown output format "" (supported: cef, json, junit, ocsf, prometheus, sarif, syslog, table)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := report.New(tc.format, report.Options{})
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("New(%q) error = %v, want %q", tc.format, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%q): %v", tc.format, err)
			}
			if got := w.Format(); got != tc.wantFormat {
				t.Errorf("Format() = %q, want %q", got, tc.wantFormat)
			}
		})
	}
}

// TestEveryFormatWritesEveryReport: each registered writer handles every
// fixture, registered under the name it reports.
func TestEveryFormatWritesEveryReport(t *testing.T) {
	for _, format := range report.Formats() {
		for _, tc := range reporttest.Cases() {
			t.Run(format+"/"+tc.Name, func(t *testing.T) {
				w, err := report.New(format, report.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if w.Format() != format {
					t.Errorf("writer registered as %q reports Format() %q", format, w.Format())
				}
				var buf bytes.Buffer
				if err := w.Write(&buf, tc.Report()); err != nil {
					t.Fatalf("Write: %v", err)
				}
				// Line-per-finding formats write nothing for no findings.
				if buf.Len() == 0 && (tc.Report().Findings.Len() > 0 || !slices.Contains(perFinding, format)) {
					t.Error("Write wrote nothing")
				}
			})
		}
	}
}

// perFinding are the formats that write one line per finding.
var perFinding = []string{"ocsf", "cef", "syslog"}

// TestEveryFormatSurvivesConvert: for every format and fixture, rendering
// the report decoded from its saved JSON gives the same bytes as rendering
// the report itself, which is what `isoaudit convert` promises.
func TestEveryFormatSurvivesConvert(t *testing.T) {
	for _, format := range report.Formats() {
		for _, tc := range reporttest.Cases() {
			t.Run(format+"/"+tc.Name, func(t *testing.T) {
				render := func(r *audit.Report) []byte {
					w, err := report.New(format, report.Options{ShowPassed: true})
					if err != nil {
						t.Fatal(err)
					}
					var buf bytes.Buffer
					if err := w.Write(&buf, r); err != nil {
						t.Fatal(err)
					}
					return buf.Bytes()
				}
				saved := render2json(t, tc.Report())
				decoded, err := reportjson.Decode(bytes.NewReader(saved))
				if err != nil {
					t.Fatal(err)
				}
				if live, conv := render(tc.Report()), render(decoded); !bytes.Equal(live, conv) {
					t.Errorf("converted output differs from live output:\n%s", golden.FirstDifference(string(live), string(conv)))
				}
			})
		}
	}
}

func render2json(t *testing.T, r *audit.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := reportjson.New().Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestJSONThroughRegistry: the registry's json writer is the one the
// golden file and schema describe.
func TestJSONThroughRegistry(t *testing.T) {
	w, err := report.New("json", report.Options{Color: true, ShowPassed: true})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, reporttest.Representative()); err != nil {
		t.Fatal(err)
	}
	schematest.RequireValidReport(t, buf.Bytes())
	golden.Assert(t, "json-representative", buf.Bytes())
}

func TestOptionsReachTheTable(t *testing.T) {
	tests := []struct {
		name       string
		opts       report.Options
		want       string
		wantAbsent string
	}{
		{"plain", report.Options{}, "CRITICAL", "\x1b["},
		{"color", report.Options{Color: true}, "\x1b[1;31mCRITICAL", ""},
		{"show passed", report.Options{ShowPassed: true}, "PASS      CE-USER-001", ""},
		{"passed hidden by default", report.Options{}, "not shown", "PASS      CE-USER-001"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := report.New("table", tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := w.Write(&buf, reporttest.Representative()); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if !strings.Contains(out, tc.want) {
				t.Errorf("output lacks %q", tc.want)
			}
			if tc.wantAbsent != "" && strings.Contains(out, tc.wantAbsent) {
				t.Errorf("output contains %q", tc.wantAbsent)
			}
		})
	}
}

type nopWriter struct{ name string }

func (n nopWriter) Format() string                     { return n.name }
func (nopWriter) Write(io.Writer, *audit.Report) error { return nil }

func factory(name string) report.Factory {
	return func(report.Options) report.Writer { return nopWriter{name} }
}

func TestRegistryRegister(t *testing.T) {
	tests := []struct {
		name    string
		format  string
		f       report.Factory
		wantErr string
	}{
		{"new format", "gitlab-sast", factory("gitlab-sast"), ""},
		{"duplicate", "json", factory("json"), `register output format "json": already registered`},
		{"upper case", "SARIF", factory("sarif"), `register output format "SARIF": name must match`},
		{"empty name", "", factory(""), `register output format "": name must match`},
		{"nil factory", "junit", nil, `register output format "junit": nil factory`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := report.Builtin()
			err := r.Register(tc.format, tc.f)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Register: %v", err)
				}
				if !slices.Contains(r.Formats(), tc.format) {
					t.Errorf("Formats() = %v lacks %q", r.Formats(), tc.format)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
				t.Errorf("Register error = %v, want prefix %q", err, tc.wantErr)
			}
		})
	}
}

// TestBuiltinIsFresh: extending one registry never changes another or the
// package default.
func TestBuiltinIsFresh(t *testing.T) {
	r := report.Builtin()
	if err := r.Register("gitlab-sast", factory("gitlab-sast")); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(report.Builtin().Formats(), "gitlab-sast") || slices.Contains(report.Formats(), "gitlab-sast") {
		t.Error("registering on one registry leaked into another")
	}
	if _, err := r.New("gitlab-sast", report.Options{}); err != nil {
		t.Errorf("New(gitlab-sast) on the extended registry: %v", err)
	}
	if _, err := report.NewRegistry().New("json", report.Options{}); err == nil ||
		err.Error() != `unknown output format "json" (supported: )` {
		t.Errorf("empty registry New error = %v", err)
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tests := []struct {
		name string
		w    io.Writer
	}{
		{"buffer", &bytes.Buffer{}},
		{"regular file", f},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if report.IsTerminal(tc.w) {
				t.Error("IsTerminal = true")
			}
		})
	}
}
