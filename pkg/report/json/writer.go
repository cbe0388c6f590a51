package json

import (
	"errors"
	"fmt"
	"io"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Writer writes the native JSON report: snake_case, two-space indented,
// one trailing newline, arrays in the report's order. It is stateless and
// safe for concurrent use.
type Writer struct{}

// New returns a JSON writer.
func New() *Writer { return &Writer{} }

// Format returns "json".
func (*Writer) Format() string { return "json" }

// Write renders r to w. The whole document is encoded before the first
// byte is written, so an encoding error leaves w untouched.
func (*Writer) Write(w io.Writer, r *audit.Report) error {
	if r == nil {
		return errors.New("encode json report: nil report")
	}
	doc, err := newDocument(r)
	if err != nil {
		return fmt.Errorf("encode json report: %w", err)
	}
	buf, err := encodeLines(doc)
	if err != nil {
		return fmt.Errorf("encode json report: %w", err)
	}
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	return nil
}
