package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Streams are the command's standard streams; tests substitute buffers.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// globalFlags are shared by every command.
type globalFlags struct {
	logLevel  string
	logFormat string
}

// Run executes the command line args and returns the exit code. It prints
// a one-line error for failures; it never calls os.Exit.
func Run(ctx context.Context, args []string, s Streams) int {
	root := NewRoot(s)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	code := Code(err)
	if err != nil {
		if msg := err.Error(); code != ExitGate || !strings.HasPrefix(msg, "exit ") {
			fmt.Fprintf(s.Err, "isoaudit: %s\n", oneLine(msg))
		}
	}
	return code
}

// NewRoot builds the command tree.
func NewRoot(s Streams) *cobra.Command {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:   "isoaudit",
		Short: "Audit containers and VMs for escape risk",
		Long: "isoaudit inspects how containers (and, later, virtual machines) are isolated from their host,\n" +
			"evaluates escape-risk checks with evidence, and scores each asset 0-100 (100 = trivially escapable).",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr("%v", err) })
	pf := root.PersistentFlags()
	pf.StringVar(&g.logLevel, "log-level", "warn", "log level: debug, info, warn, error")
	pf.StringVar(&g.logFormat, "log-format", "console", "log format: console, json")
	root.AddCommand(newScanCmd(g, s), newConvertCmd(g, s), newChecksCmd(g, s), newPolicyCmd(s), newVersionCmd(s))
	return root
}

// logger builds the zerolog logger for stderr from the global flags.
func (g *globalFlags) logger(w io.Writer) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(g.logLevel)
	if err != nil || g.logLevel == "" {
		return zerolog.Nop(), usageErr("invalid --log-level %q (supported: debug, info, warn, error)", g.logLevel)
	}
	var out io.Writer
	switch g.logFormat {
	case "json":
		out = w
	case "console":
		out = zerolog.ConsoleWriter{Out: w, NoColor: !isTerminal(w), TimeFormat: time.TimeOnly}
	default:
		return zerolog.Nop(), usageErr("invalid --log-format %q (supported: console, json)", g.logFormat)
	}
	return zerolog.New(out).Level(lvl).With().Timestamp().Logger(), nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// oneLine keeps an error message to a single line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return s
}
