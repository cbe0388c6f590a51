// Package view holds what the projection writers (sarif, ocsf, junit, cef,
// syslog, prometheus) share: the asset a finding belongs to, and evidence
// rendered identically whether the report came from a live scan or from a
// saved JSON report, so `isoaudit convert` output equals the live output.
package view

import (
	"bufio"
	"encoding/json"
	"io"
	"iter"
	"slices"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Assets indexes a report's assets by id. The zero value is empty.
type Assets map[string]*audit.AssetResult

// Index returns the assets of r by id.
func Index(r *audit.Report) Assets {
	m := make(Assets, len(r.Assets))
	for i := range r.Assets {
		m[r.Assets[i].ID] = &r.Assets[i]
	}
	return m
}

// Of returns the asset a finding belongs to. A finding whose asset is not
// in the report gets a stand-in named by the asset id, so no finding is
// ever dropped.
func (a Assets) Of(f *audit.Finding) *audit.AssetResult { return a.OfID(f.AssetID) }

// OfID is Of for a finding's asset id.
func (a Assets) OfID(id string) *audit.AssetResult {
	if as, ok := a[id]; ok {
		return as
	}
	return &audit.AssetResult{Asset: &audit.Asset{ID: id, Name: id}}
}

// ActualJSON renders an evidence value as compact JSON, the way the JSON
// report writes it (HTML characters escaped), so a value decoded from a
// saved report renders to the same bytes as the live value. Values that
// cannot be encoded render as null.
func ActualJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

// RawActual is ActualJSON as a json.RawMessage, for embedding.
func RawActual(v any) json.RawMessage { return json.RawMessage(ActualJSON(v)) }

// EvidenceText renders one evidence item on one line:
// `path = actual (expected …)`.
func EvidenceText(e audit.Evidence) string {
	return e.Path + " = " + ActualJSON(e.Actual) + " (expected " + e.Expected + ")"
}

// Summary is the one-line description of a finding used as message text:
// the title, the asset, then the evidence or the status message.
func Summary(f *audit.Finding, a *audit.AssetResult) string {
	var b strings.Builder
	b.WriteString(f.Title)
	b.WriteString(": ")
	b.WriteString(string(a.Kind))
	if a.Kind != "" {
		b.WriteByte(' ')
	}
	b.WriteString(a.Name)
	if a.Host != "" {
		b.WriteString(" on ")
		b.WriteString(a.Host)
	}
	for i, e := range f.Evidence {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(EvidenceText(e))
	}
	if f.Message != "" {
		b.WriteString(" (")
		b.WriteString(f.Message)
		b.WriteByte(')')
	}
	return b.String()
}

// Labels renders a label map as sorted "key=value" strings.
func Labels(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// Title is the capitalised name of a severity or status: "Critical".
func Title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// WriteLines writes each line followed by a newline, buffered, as the
// lines are produced (the line-per-finding formats).
func WriteLines(w io.Writer, lines iter.Seq[string]) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	for l := range lines {
		bw.WriteString(l)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
