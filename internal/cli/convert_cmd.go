package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/isoaudit/isoaudit/pkg/audit"
	reportjson "github.com/isoaudit/isoaudit/pkg/report/json"
)

type convertFlags struct {
	outputs    []string
	color      string
	showPassed bool
	send       sendFlags
}

func newConvertCmd(g *globalFlags, s Streams) *cobra.Command {
	f := &convertFlags{}
	cmd := &cobra.Command{
		Use:   "convert REPORT.json",
		Short: "Render a saved JSON report in other formats, without rescanning",
		Long: "Render a JSON report written by `isoaudit scan -o json=FILE` in any output format, without rescanning.\n" +
			"The output equals what the scan would have written in that format; converting to json reproduces\n" +
			"the file byte for byte. REPORT.json '-' reads standard input. --send delivers it again.\n" +
			"Exit 0 once written, 2 for unreadable input, 4 when a --send receiver did not get it;\n" +
			"the saved report's gate is not re-applied.",
		Example: "  isoaudit convert report.json -o sarif=isoaudit.sarif -o junit=isoaudit.xml\n" +
			"  isoaudit convert report.json -o table --show-passed",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runConvert(cmd.Context(), g, f, s, args[0]) },
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&f.outputs, "output", "o", nil, "output FORMAT[=FILE]: table, json, sarif, ocsf, junit, cef, syslog, prometheus (repeatable; default table on stdout; files are written 0600)")
	fl.StringVar(&f.color, "color", "auto", "colour the table: auto (when stdout is a terminal), always, never")
	fl.BoolVar(&f.showPassed, "show-passed", false, "table: also list passed findings")
	f.send.register(fl)
	return cmd
}

func runConvert(ctx context.Context, g *globalFlags, f *convertFlags, s Streams, path string) error {
	log, err := g.logger(s.Err)
	if err != nil {
		return err
	}
	sendTo, sendOpts, err := f.send.prepare(log)
	if err != nil {
		return err
	}
	color, err := (&scanFlags{color: f.color}).useColor(s)
	if err != nil {
		return err
	}
	rep, err := readReport(path, s.In)
	if err != nil {
		return err
	}
	outs, err := parseOutputs(f.outputs, color, f.showPassed)
	if err != nil {
		return err
	}
	if err := writeOutputs(outs, s.Out, rep); err != nil {
		return inputErr(err)
	}
	return deliver(ctx, sendTo, sendOpts, rep, nil)
}

// readReport decodes a saved JSON report; any problem is an input error
// naming the file.
func readReport(path string, stdin io.Reader) (*audit.Report, error) {
	name := path
	var r io.Reader = stdin
	if path == "-" {
		name = "stdin"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, inputErr(fmt.Errorf("read report %s: %w", path, err))
		}
		defer f.Close()
		r = f
	}
	rep, err := reportjson.Decode(r)
	if err != nil {
		return nil, inputErr(fmt.Errorf("read report %s: %w", name, err))
	}
	return rep, nil
}
