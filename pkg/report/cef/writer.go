// Package cef writes a report as ArcSight Common Event Format lines, one
// per finding, for SIEMs that parse CEF (ArcSight, QRadar, Sentinel, the
// Logstash and Fluentd CEF codecs).
package cef

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

// Writer writes CEF lines. It is stateless and safe for concurrent use.
type Writer struct{}

// New returns a CEF writer.
func New() *Writer { return &Writer{} }

// Format returns "cef".
func (*Writer) Format() string { return "cef" }

// Write renders one CEF line per finding, in report order. A report
// without findings writes nothing.
func (*Writer) Write(w io.Writer, r *audit.Report) error {
	if r == nil {
		return errors.New("encode cef events: nil report")
	}
	if err := view.WriteLines(w, Lines(r)); err != nil {
		return fmt.Errorf("write cef events: %w", err)
	}
	return nil
}

// Severity is the CEF severity (0-10) of a finding's severity, inside the
// CEF bands Low 0-3, Medium 4-6, High 7-8, Very-High 9-10.
func Severity(s audit.Severity) int {
	return [...]int{1, 3, 5, 8, 10}[s]
}

// Lines yields one CEF line (without newline) per finding, in report
// order, rendered as it is read: a large fleet's lines are never all held
// at once.
func Lines(r *audit.Report) iter.Seq[string] {
	return func(yield func(string) bool) {
		assets := view.Index(r)
		for _, f := range r.Findings.All() {
			if !yield(Line(r, &f, assets.Of(&f))) {
				return
			}
		}
	}
}

// Line renders one finding:
//
//	CEF:0|isoaudit|isoaudit|VERSION|CHECK-ID|TITLE|SEVERITY|rt=… dvchost=… externalId=FINDING-ID …
//
// Header fields escape "\" and "|"; extension values escape "\", "=" and
// line breaks. externalId is the stable finding id, for deduplication.
func Line(r *audit.Report, f *audit.Finding, a *audit.AssetResult) string {
	var b strings.Builder
	b.WriteString("CEF:0|isoaudit|isoaudit|")
	for _, h := range []string{r.Tool.Version, f.CheckID, f.Title} {
		b.WriteString(header(h))
		b.WriteByte('|')
	}
	b.WriteString(strconv.Itoa(Severity(f.Severity)))
	b.WriteByte('|')
	ext := [][2]string{
		{"rt", strconv.FormatInt(r.CreatedAt.UnixMilli(), 10)},
		{"dvchost", a.Host},
		{"externalId", f.ID},
		{"cat", string(a.Kind)},
		{"outcome", string(f.Status)},
		{"cs1Label", "assetName"}, {"cs1", a.Name},
		{"cs2Label", "assetId"}, {"cs2", a.ID},
		{"cs3Label", "platform"}, {"cs3", a.Platform},
		{"cs4Label", "severity"}, {"cs4", f.Severity.String()},
		{"cs5Label", "references"}, {"cs5", strings.Join(f.References, " ")},
		{"cfp1Label", "assetRisk"}, {"cfp1", strconv.FormatFloat(a.Risk, 'f', -1, 64)},
		{"msg", view.Summary(f, a)},
	}
	first := true
	for _, kv := range ext {
		if kv[1] == "" {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		b.WriteString(kv[0])
		b.WriteByte('=')
		b.WriteString(extension(kv[1]))
	}
	return b.String()
}

var (
	headerEscaper    = strings.NewReplacer(`\`, `\\`, `|`, `\|`, "\r\n", " ", "\n", " ", "\r", " ")
	extensionEscaper = strings.NewReplacer(`\`, `\\`, `=`, `\=`, "\r\n", `\n`, "\n", `\n`, "\r", `\r`)
)

func header(s string) string    { return headerEscaper.Replace(s) }
func extension(s string) string { return extensionEscaper.Replace(s) }
