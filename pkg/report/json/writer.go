package json

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Writer writes the native JSON report: snake_case, one top-level key and
// one array element per line, one trailing newline, arrays in the report's
// order. It is stateless and safe for concurrent use.
type Writer struct{}

// New returns a JSON writer.
func New() *Writer { return &Writer{} }

// Format returns "json".
func (*Writer) Format() string { return "json" }

// Write renders r to w. The report is checked against the contract first
// (an invalid report writes nothing); the document is then streamed, so a
// large fleet's report is never held in memory twice.
func (*Writer) Write(w io.Writer, r *audit.Report) error {
	if r == nil {
		return errors.New("encode json report: nil report")
	}
	doc, err := newDocumentHead(r)
	if err != nil {
		return fmt.Errorf("encode json report: %w", err)
	}
	// Findings are converted to their wire form as they are written (they
	// were validated by newDocumentHead), not held a second time.
	findings := lazySlice{n: r.Findings.Len(), at: func(i int) (any, error) { return newFinding(r.Findings.At(i)) }}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := encodeLines(bw, doc, map[string]lazySlice{"findings": findings}); err != nil { // only I/O can fail here
		return fmt.Errorf("write json report: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	return nil
}
