package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/report"
)

// output is one -o FORMAT[=FILE] destination, opened before the scan so a
// bad path fails fast with exit 2.
type output struct {
	format string
	path   string // "" for stdout
	writer report.Writer
	file   *os.File
}

// parseOutputs validates every -o value and opens its file (mode 0600:
// reports describe weaknesses and are not for every local user).
func parseOutputs(specs []string, color, showPassed bool) ([]*output, error) {
	if len(specs) == 0 {
		specs = []string{"table"}
	}
	var outs []*output
	stdout := ""
	for _, spec := range specs {
		format, path, _ := strings.Cut(spec, "=")
		o := &output{format: strings.ToLower(strings.TrimSpace(format)), path: path}
		w, err := report.New(o.format, report.Options{Color: color && path == "", ShowPassed: showPassed})
		if err != nil {
			closeOutputs(outs)
			return nil, usageErr("invalid -o %q: %v", spec, err)
		}
		o.writer = w
		if path == "" || path == "-" {
			if stdout != "" {
				closeOutputs(outs)
				return nil, usageErr("-o %s and -o %s both write to stdout; give one of them a file (-o %s=FILE)", stdout, o.format, o.format)
			}
			stdout, o.path = o.format, ""
		} else {
			f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
			if err != nil {
				closeOutputs(outs)
				return nil, inputErr(fmt.Errorf("open output %s: %w", path, err))
			}
			o.file = f
		}
		outs = append(outs, o)
	}
	return outs, nil
}

// writeOutputs writes the report to every destination; it tries them all
// and returns the first error.
func writeOutputs(outs []*output, stdout io.Writer, r *audit.Report) error {
	var first error
	for _, o := range outs {
		w := stdout
		if o.file != nil {
			w = o.file
		}
		err := o.writer.Write(w, r)
		if o.file != nil {
			if cerr := o.file.Close(); err == nil {
				err = cerr
			}
			o.file = nil
		}
		if err != nil && first == nil {
			dest := o.path
			if dest == "" {
				dest = "stdout"
			}
			first = fmt.Errorf("write %s report to %s: %w", o.format, dest, err)
		}
	}
	return first
}

// discardOutputs closes and removes the files opened for a scan that
// produced no report.
func discardOutputs(outs []*output) {
	for _, o := range outs {
		if o.file != nil {
			o.file.Close()
			os.Remove(o.path)
			o.file = nil
		}
	}
}

func closeOutputs(outs []*output) {
	for _, o := range outs {
		if o.file != nil {
			o.file.Close()
		}
	}
}
