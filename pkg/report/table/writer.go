package table

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Options tune the table. The zero value is plain text with failing,
// unknown and error findings only.
type Options struct {
	// Color adds ANSI colours by severity, status and grade. With Color
	// false the output contains no escape code at all.
	Color bool
	// ShowPassed also lists waived and pass findings.
	ShowPassed bool
}

// Writer writes the report for people reading a terminal or a CI log. It
// is stateless and safe for concurrent use.
//
// Layout: a header with the tool and each source (errors shown); each
// asset by risk (highest first, ties by name) with its findings (fail,
// then unknown, then error, each by severity then check id), a one-line
// fix and the first evidence item; then the summary line
//
//	N assets · max risk R · critical a, high b, medium c, low d · unknown u · errors e
//
// where the counts come from Report.Summary (severities count failed
// findings) and e adds error findings to Report.Errors; then the gate.
// Text from the report is sanitized: control characters and bidi
// overrides are printed escaped, never interpreted by the terminal.
type Writer struct{ opts Options }

// New returns a table writer.
func New(opts Options) *Writer { return &Writer{opts: opts} }

// Format returns "table".
func (*Writer) Format() string { return "table" }

// Write renders r to w. It never modifies r.
func (w *Writer) Write(out io.Writer, r *audit.Report) error {
	if r == nil {
		return errors.New("render table report: nil report")
	}
	var buf bytes.Buffer
	p := &printer{buf: &buf, st: style{color: w.opts.Color}, showPassed: w.opts.ShowPassed}
	p.report(r)
	if _, err := out.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write table report: %w", err)
	}
	return nil
}
