package table

import (
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// ANSI SGR parameters.
const (
	sgrBoldRed     = "1;31"
	sgrRed         = "31"
	sgrGreen       = "32"
	sgrYellow      = "33"
	sgrMagenta     = "35"
	sgrBoldMagenta = "1;35"
	sgrCyan        = "36"
	sgrDim         = "2"
)

// style paints text with ANSI colours, or returns it unchanged when colour
// is off, so a plain report never contains an escape code.
type style struct{ color bool }

func (s style) paint(sgr, text string) string {
	if !s.color || sgr == "" {
		return text
	}
	return "\x1b[" + sgr + "m" + text + "\x1b[0m"
}

func (s style) severity(sev audit.Severity, text string) string {
	switch sev {
	case audit.SeverityCritical:
		return s.paint(sgrBoldRed, text)
	case audit.SeverityHigh:
		return s.paint(sgrRed, text)
	case audit.SeverityMedium:
		return s.paint(sgrYellow, text)
	case audit.SeverityLow:
		return s.paint(sgrCyan, text)
	default:
		return s.paint(sgrDim, text)
	}
}

// label paints a finding's label: by severity for a failure, by status
// otherwise.
func (s style) label(f audit.Finding, text string) string {
	switch f.Status {
	case audit.StatusFail:
		return s.severity(f.Severity, text)
	case audit.StatusUnknown:
		return s.paint(sgrMagenta, text)
	case audit.StatusError:
		return s.paint(sgrBoldMagenta, text)
	case audit.StatusPass:
		return s.paint(sgrGreen, text)
	default:
		return s.paint(sgrDim, text)
	}
}

// grade paints a letter grade (and text that goes with it, such as the
// risk): A and B green, C yellow, D red, E and F bold red.
func (s style) grade(grade, text string) string {
	g := strings.TrimSpace(grade)
	if g == "" {
		return text
	}
	switch g[0] {
	case 'A', 'B':
		return s.paint(sgrGreen, text)
	case 'C':
		return s.paint(sgrYellow, text)
	case 'D':
		return s.paint(sgrRed, text)
	case 'E', 'F':
		return s.paint(sgrBoldRed, text)
	default:
		return text
	}
}

func (s style) sourceStatus(status, text string) string {
	switch status {
	case audit.SourceOK:
		return s.paint(sgrGreen, text)
	case audit.SourceError:
		return s.paint(sgrBoldRed, text)
	default:
		return s.paint(sgrDim, text)
	}
}

func (s style) gate(result, text string) string {
	switch result {
	case "pass":
		return s.paint(sgrGreen, text)
	case "fail":
		return s.paint(sgrBoldRed, text)
	default:
		return s.paint(sgrDim, text)
	}
}
