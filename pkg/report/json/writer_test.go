package json_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/report/internal/golden"
	"github.com/isoaudit/isoaudit/pkg/report/internal/reporttest"
	reportjson "github.com/isoaudit/isoaudit/pkg/report/json"
	"github.com/isoaudit/isoaudit/schema/schematest"
)

func write(t *testing.T, r *audit.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := reportjson.New().Write(&buf, r); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func TestWriteMatchesGoldenAndSchema(t *testing.T) {
	for _, tc := range reporttest.Cases() {
		t.Run(tc.Name, func(t *testing.T) {
			got := write(t, tc.Report())
			schematest.RequireValidReport(t, got)
			golden.Assert(t, "json-"+tc.Name, got)
		})
	}
}

func TestFormat(t *testing.T) {
	if got := reportjson.New().Format(); got != "json" {
		t.Errorf("Format() = %q, want json", got)
	}
}

func TestWriteLayout(t *testing.T) {
	got := string(write(t, reporttest.Representative()))
	tests := []struct {
		name string
		ok   bool
	}{
		{"starts with an object and two-space indent", strings.HasPrefix(got, "{\n  \"schema_version\": \"1.0\",\n")},
		{"ends with exactly one newline", strings.HasSuffix(got, "}\n") && !strings.HasSuffix(got, "\n\n")},
		{"one array element per line, compact", strings.Contains(got, "\n  \"sources\": [\n    {\"kind\":\"docker\",")},
		{"created_at is RFC 3339 UTC", strings.Contains(got, `"created_at": "2026-07-01T12:00:03Z"`)},
		{"tool version is the injected one", strings.Contains(got, `"version":"`+reporttest.ToolVersion+`"`)},
		{"no HTML escaping", strings.Contains(got, `"expected":"> 0"`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.ok {
				t.Errorf("output:\n%s", got)
			}
		})
	}
}

// TestWriteNeverNull: consumers index arrays and maps without nil checks,
// so an empty collection is [] or {}, never null or absent.
func TestWriteNeverNull(t *testing.T) {
	tests := []struct {
		name   string
		report *audit.Report
		want   []string
	}{
		{"empty report", reporttest.Empty(), []string{
			`"sources": []`, `"assets": []`, `"findings": []`, `"errors": []`, `"by_grade":{}`,
			`"by_severity":{"critical":0,"high":0,"medium":0,"low":0,"info":0}`,
			`"by_status":{"fail":0,"pass":0,"unknown":0,"waived":0,"error":0}`,
		}},
		{"passing finding", reporttest.Clean(), []string{
			`"evidence":[]`, `"references":[]`, `"tags":[]`, `"chain":[]`, `"mitigations":[]`, `"reasons":[]`,
		}},
		{"source without notes, asset without labels", reporttest.Representative(), []string{
			`"notes":[]`, `"labels":{}`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(write(t, tc.report))
			if strings.Contains(got, "null") {
				t.Errorf("output contains null:\n%s", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %s", w)
				}
			}
		})
	}
}

// TestWriteEvidenceActual: Actual may be any JSON value and is written as
// that value, not as a string.
func TestWriteEvidenceActual(t *testing.T) {
	tests := []struct {
		name   string
		actual any
		want   any // as decoded by encoding/json
	}{
		{"bool", true, true},
		{"string", "unconfined", "unconfined"},
		{"empty string", "", ""},
		{"integer", 0, 0.0},
		{"float", 0.5, 0.5},
		{"list", []string{"SYS_ADMIN", "NET_ADMIN"}, []any{"SYS_ADMIN", "NET_ADMIN"}},
		{"empty list", []string{}, []any{}},
		{"object", map[string]any{"rw": true, "source": "/etc"}, map[string]any{"rw": true, "source": "/etc"}},
		{"null", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := reporttest.Clean()
			r.Findings.Update(0, func(f *audit.Finding) { f.Evidence = []audit.Evidence{{Path: "x", Actual: tc.actual, Expected: "y"}} })
			out := write(t, r)
			schematest.RequireValidReport(t, out)
			var doc struct {
				Findings []struct {
					Evidence []struct {
						Actual any `json:"actual"`
					} `json:"evidence"`
				} `json:"findings"`
			}
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatal(err)
			}
			if got := doc.Findings[0].Evidence[0].Actual; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("actual = %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestWriteCreatedAtInUTC(t *testing.T) {
	r := reporttest.Empty()
	r.CreatedAt = time.Date(2026, 7, 1, 14, 0, 3, 500_000_000, time.FixedZone("CEST", 2*3600))
	if got := string(write(t, r)); !strings.Contains(got, `"created_at": "2026-07-01T12:00:03.5Z"`) {
		t.Errorf("created_at not normalized to UTC:\n%s", got)
	}
}

func TestWriteIsDeterministic(t *testing.T) {
	first := write(t, reporttest.Representative())
	for range 20 { // map iteration order differs between runs; output must not
		if again := write(t, reporttest.Representative()); !bytes.Equal(first, again) {
			t.Fatal("two writes of the same report differ")
		}
	}
}

func TestWriteDoesNotModifyReport(t *testing.T) {
	r, want := reporttest.Representative(), reporttest.Representative()
	write(t, r)
	if !reflect.DeepEqual(r, want) {
		t.Error("Write modified the report")
	}
}

// TestWriteRejects: a report the contract cannot express is an error, and
// nothing is written.
func TestWriteRejects(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(r *audit.Report)
		wantErr string
	}{
		{"invalid severity", func(r *audit.Report) { r.Findings.Update(0, func(f *audit.Finding) { f.Severity = 9 }) }, "invalid severity 9"},
		{"unknown status", func(r *audit.Report) { r.Findings.Update(0, func(f *audit.Finding) { f.Status = "failed" }) }, `unknown status "failed"`},
		{"unknown asset kind", func(r *audit.Report) { r.Assets[0].Kind = "pod" }, `unknown kind "pod"`},
		{"unknown source status", func(r *audit.Report) { r.Sources[0].Status = "partial" }, `unknown status "partial"`},
		{"unknown by_severity key", func(r *audit.Report) { r.Summary.BySeverity["severe"] = 1 }, `by_severity: unknown key "severe"`},
		{"unknown by_status key", func(r *audit.Report) { r.Summary.ByStatus["skipped"] = 1 }, `by_status: unknown key "skipped"`},
		{"unknown gate result", func(r *audit.Report) { r.Summary.Gate.Result = "tripped" }, `unknown result "tripped"`},
		{"other schema version", func(r *audit.Report) { r.SchemaVersion = "2.0" }, `schema version "2.0"`},
		{"unencodable actual", func(r *audit.Report) {
			r.Findings.Update(0, func(f *audit.Finding) { f.Evidence[0].Actual = func() {} })
		}, "unsupported type"},
		{"NaN risk", func(r *audit.Report) { r.Assets[0].Risk = math.NaN() }, "unsupported value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := reporttest.Representative()
			tc.mutate(r)
			var buf bytes.Buffer
			err := reportjson.New().Write(&buf, r)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Write error = %v, want it to contain %q", err, tc.wantErr)
			}
			if !strings.HasPrefix(err.Error(), "encode json report: ") {
				t.Errorf("error %q is not wrapped as \"encode json report: …\"", err)
			}
			if buf.Len() != 0 {
				t.Errorf("Write wrote %d bytes despite the error", buf.Len())
			}
		})
	}
}

func TestWriteNilReport(t *testing.T) {
	if err := reportjson.New().Write(&bytes.Buffer{}, nil); err == nil {
		t.Error("Write(nil) succeeded")
	}
}

type failingWriter struct{}

var errDiskFull = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestWritePropagatesWriterError(t *testing.T) {
	err := reportjson.New().Write(failingWriter{}, reporttest.Clean())
	if !errors.Is(err, errDiskFull) {
		t.Errorf("Write error = %v, want it to wrap %v", err, errDiskFull)
	}
}
