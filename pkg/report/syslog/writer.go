// Package syslog writes a report as RFC 5424 syslog messages, one line per
// finding, for syslog collectors (rsyslog, syslog-ng, Wazuh, SIEM agents).
// pkg/ship sends the same messages over TCP, TLS or UDP.
package syslog

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/report/internal/view"
)

// Facility is the syslog facility of every message: 13, "log audit".
const Facility = 13

// SDID is the structured-data element id: "isoaudit" under the private
// enterprise number 32473 that RFC 5612 reserves for documentation, since
// isoaudit has no PEN of its own.
const SDID = "isoaudit@32473"

// Writer writes RFC 5424 lines. It is stateless and safe for concurrent use.
type Writer struct{}

// New returns a syslog writer.
func New() *Writer { return &Writer{} }

// Format returns "syslog".
func (*Writer) Format() string { return "syslog" }

// Write renders one message per finding, each on its own line, in report
// order. A report without findings writes nothing.
func (*Writer) Write(w io.Writer, r *audit.Report) error {
	if r == nil {
		return errors.New("encode syslog messages: nil report")
	}
	if err := view.WriteLines(w, Messages(r)); err != nil {
		return fmt.Errorf("write syslog messages: %w", err)
	}
	return nil
}

// Severity is the syslog severity of a finding: a failure by its own
// severity (critical 2 … info 6), an error 4 (warning), unknown and waived
// 5 (notice), a pass 6 (informational).
func Severity(f *audit.Finding) int {
	switch f.Status {
	case audit.StatusFail:
		return [...]int{6, 5, 4, 3, 2}[f.Severity]
	case audit.StatusError:
		return 4
	case audit.StatusUnknown, audit.StatusWaived:
		return 5
	}
	return 6
}

// Messages returns one RFC 5424 message (without newline) per finding,
// in report order:
//
//	<PRI>1 TIMESTAMP HOSTNAME isoaudit - FINDING [isoaudit@32473 finding_id="…" check_id="…" …] MSG
//
// TIMESTAMP is the report's creation time (UTC, milliseconds), HOSTNAME
// the asset's host ("-" when unknown), MSG the one-line summary of the
// finding. Messages never contain a line break.
//
// The messages are rendered as they are read: a large fleet's are never
// all held at once.
func Messages(r *audit.Report) iter.Seq[string] {
	return func(yield func(string) bool) {
		assets := view.Index(r)
		ts := r.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00")
		for _, f := range r.Findings.All() {
			if !yield(message(&f, assets.Of(&f), ts)) {
				return
			}
		}
	}
}

// message renders one finding of asset a, stamped ts.
func message(f *audit.Finding, a *audit.AssetResult, ts string) string {
	var b strings.Builder
	b.WriteByte('<')
	b.WriteString(strconv.Itoa(Facility*8 + Severity(f)))
	b.WriteString(">1 ")
	b.WriteString(ts)
	b.WriteByte(' ')
	b.WriteString(field(a.Host, 255))
	b.WriteString(" isoaudit - FINDING [" + SDID)
	for _, p := range [][2]string{
		{"finding_id", f.ID},
		{"check_id", f.CheckID},
		{"status", string(f.Status)},
		{"severity", f.Severity.String()},
		{"asset_id", a.ID},
		{"asset", a.Name},
		{"kind", string(a.Kind)},
		{"platform", a.Platform},
		{"risk", strconv.FormatFloat(a.Risk, 'f', -1, 64)},
	} {
		b.WriteString(" " + p[0] + `="` + paramEscaper.Replace(p[1]) + `"`)
	}
	b.WriteString("] ")
	b.WriteString(oneLine.Replace(view.Summary(f, a)))
	return b.String()
}

var (
	// paramEscaper escapes a PARAM-VALUE (RFC 5424 section 6.3.3).
	paramEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, `]`, `\]`, "\r\n", " ", "\n", " ", "\r", " ")
	oneLine      = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")
)

// field renders a header field: printable US-ASCII only, at most max
// bytes, "-" (NILVALUE) when empty.
func field(s string, max int) string {
	if s == "" {
		return "-"
	}
	b := []byte(s)
	for i, c := range b {
		if c < 33 || c > 126 {
			b[i] = '_'
		}
	}
	if len(b) > max {
		b = b[:max]
	}
	return string(b)
}
