package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/isoaudit/isoaudit/checks"
	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/catalog"
)

func newChecksCmd(g *globalFlags, s Streams) *cobra.Command {
	var dirs []string
	cmd := &cobra.Command{
		Use:   "checks",
		Short: "List, show and test the escape-risk checks",
	}
	cmd.PersistentFlags().StringArrayVar(&dirs, "checks-dir", nil, "also load the checks in this directory (repeatable)")
	cmd.AddCommand(newChecksListCmd(&dirs, s), newChecksShowCmd(&dirs, s), newChecksTestCmd(&dirs, s))
	return cmd
}

func newChecksListCmd(dirs *[]string, s Streams) *cobra.Command {
	var kind, platform, format string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the checks: id, severity, kind, title",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat, err := loadCatalog(*dirs)
			if err != nil {
				return err
			}
			var list []*audit.Check
			for _, c := range cat.Checks {
				if (kind == "" || string(c.Kind) == kind) && (platform == "" || (len(c.Platforms) > 0 && c.AppliesTo(platform))) {
					list = append(list, c)
				}
			}
			switch format {
			case "table":
				return writeCheckTable(s.Out, list)
			case "json":
				enc := json.NewEncoder(s.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(list)
			}
			return usageErr("invalid --output %q (supported: table, json)", format)
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "", "only checks for this asset kind: container, vm, host")
	cmd.Flags().StringVar(&platform, "platform", "", "only checks narrowed to this platform: libvirt, vmware, virtualbox")
	cmd.Flags().StringVarP(&format, "output", "o", "table", "output format: table, json")
	return cmd
}

func writeCheckTable(w io.Writer, list []*audit.Check) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tKIND\tTITLE")
	for _, c := range list {
		title := c.Title
		if c.IsChain() {
			title += " [chain]"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Severity, c.Kind, title)
	}
	return tw.Flush()
}

func newChecksShowCmd(dirs *[]string, s Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show one check with its rationale, remediation and references",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cat, err := loadCatalog(*dirs)
			if err != nil {
				return err
			}
			c := cat.Check(strings.ToUpper(args[0]))
			if c == nil {
				return usageErr("unknown check %q (see `isoaudit checks list`)", args[0])
			}
			return showCheck(s.Out, c)
		},
	}
}

func showCheck(w io.Writer, c *audit.Check) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s\n", c.ID, c.Title)
	fmt.Fprintf(&b, "severity: %s   kind: %s   tags: %s\n", c.Severity, c.Kind, strings.Join(c.Tags, ", "))
	if len(c.Platforms) > 0 {
		fmt.Fprintf(&b, "platforms: %s\n", strings.Join(c.Platforms, ", "))
	}
	if c.Deprecated {
		b.WriteString("DEPRECATED: kept so its id is never reused; it no longer runs.\n")
	}
	section(&b, "Why it matters", wordWrap(c.Description, 96))
	section(&b, "Remediation", wordWrap(c.Remediation, 96))
	if c.IsChain() {
		section(&b, "Preconditions (chain)", strings.Join(c.Requires, ", "))
	}
	section(&b, "Fails when (CEL)", c.Condition)
	if c.UnknownWhen != "" {
		section(&b, "Unknown when (CEL)", c.UnknownWhen+"\n"+c.UnknownReason)
	}
	var ev []string
	for _, e := range c.Evidence {
		ev = append(ev, fmt.Sprintf("%s (expected: %s)", e.Path, e.Expected))
	}
	section(&b, "Evidence", strings.Join(ev, "\n"))
	if len(c.MitigatedBy) > 0 {
		section(&b, "Weight lowered when these hold", strings.Join(c.MitigatedBy, ", "))
	}
	section(&b, "References", strings.Join(c.References.All(), "\n"))
	section(&b, "Defined in", c.Source)
	_, err := io.WriteString(w, b.String())
	return err
}

func section(b *strings.Builder, title, body string) {
	if strings.TrimSpace(body) == "" {
		return
	}
	fmt.Fprintf(b, "\n%s:\n", title)
	for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
		fmt.Fprintf(b, "  %s\n", line)
	}
}

func newChecksTestCmd(dirs *[]string, s Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "test",
		Short: "Run every check's own pass/fail fixtures (built-in and --checks-dir)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat, err := loadCatalog(*dirs)
			if err != nil {
				return err
			}
			return runFixtures(s.Out, cat)
		},
	}
}

func runFixtures(w io.Writer, cat *catalog.Catalog) error {
	eng, err := newEngine(cat)
	if err != nil {
		return err
	}
	failures, err := eng.RunFixtures(cat, checks.Baseline())
	if err != nil {
		return inputErr(err)
	}
	for _, f := range failures {
		fmt.Fprintln(w, "FAIL", f)
	}
	if len(failures) > 0 {
		return &ExitError{Code: ExitGate, Err: fmt.Errorf("%d fixture(s) failed", len(failures))}
	}
	_, err = fmt.Fprintf(w, "ok: fixtures of %d checks passed\n", len(cat.Checks))
	return err
}

// wordWrap breaks prose into lines of at most width columns (longer words
// stay whole).
func wordWrap(text string, width int) string {
	var b strings.Builder
	n := 0
	for _, w := range strings.Fields(text) {
		if n > 0 && n+1+len(w) > width {
			b.WriteByte('\n')
			n = 0
		} else if n > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}
