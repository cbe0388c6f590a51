package report

import (
	"io"
	"os"

	"golang.org/x/term"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Writer renders a Report in one output format. Implementations are
// stateless after construction and safe for concurrent use; Write never
// modifies the report, and writes nothing when it returns an encoding error
// (output is built in memory first).
type Writer interface {
	// Format is the name the writer is registered under: "json", "table".
	Format() string
	// Write renders r to w.
	Write(w io.Writer, r *audit.Report) error
}

// Options tune the writers; a writer ignores the options it has no use for.
// The zero value is the plain default.
type Options struct {
	// Color enables ANSI colours. Callers set it only when the output is a
	// terminal (see IsTerminal); with Color false no escape code is written.
	Color bool
	// ShowPassed makes the table also list pass and waived findings.
	ShowPassed bool
}

// IsTerminal reports whether w is a terminal, the condition under which a
// caller may set Options.Color (callers should also honour NO_COLOR).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
