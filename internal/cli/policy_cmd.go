package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/isoaudit/isoaudit/pkg/policy"
	"github.com/isoaudit/isoaudit/policies"
)

func newPolicyCmd(s Streams) *cobra.Command {
	var dirs []string
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "List and validate policies (check selection, severities, weights, gates, controls)",
	}
	cmd.PersistentFlags().StringArrayVar(&dirs, "checks-dir", nil, "also accept the check ids in this directory (repeatable)")
	validate := &cobra.Command{
		Use:   "validate FILE|NAME...",
		Short: "Validate policy files and explain every problem with its line",
		Example: "  isoaudit policy validate team-policy.yaml\n" +
			"  isoaudit policy validate strict cis-docker-1.6",
		Args: cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error { return runPolicyValidate(s.Out, dirs, args) },
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the built-in policies",
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			for _, name := range policies.Names() {
				p, err := policy.BuiltinProfile(name)
				if err != nil {
					return err
				}
				fmt.Fprintf(s.Out, "%-16s %s\n", name, p.Description)
			}
			return nil
		},
	}
	cmd.AddCommand(validate, list)
	return cmd
}

// runPolicyValidate prints one line per file that is valid and one line
// per problem ("FILE:LINE: message") of each that is not; any problem is
// an input error (exit 2).
func runPolicyValidate(out io.Writer, dirs, args []string) error {
	known, all, err := catalogIDs(dirs)
	if err != nil {
		return err
	}
	bad := 0
	for _, arg := range args {
		p, err := policy.LoadPolicy(arg, known, all...)
		var fe *policy.FileError
		switch {
		case errors.As(err, &fe):
			bad++
			for _, pr := range fe.Problems {
				if pr.Line > 0 {
					fmt.Fprintf(out, "%s:%d: %s\n", fe.File, pr.Line, pr.Message)
				} else {
					fmt.Fprintf(out, "%s: %s\n", fe.File, pr.Message)
				}
			}
		case err != nil:
			bad++
			fmt.Fprintf(out, "%s: %v\n", arg, err)
		default:
			fmt.Fprintf(out, "%s: ok: policy %s%s\n", p.File, p.Name, policySummary(p))
		}
	}
	if bad > 0 {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%d of %d polic%s invalid", bad, len(args), map[bool]string{true: "y", false: "ies"}[len(args) == 1])}
	}
	return nil
}

func policySummary(p *policy.Profile) string {
	var parts []string
	if n := len(p.Checks.Include); n > 0 {
		parts = append(parts, fmt.Sprintf("%d included", n))
	}
	if n := len(p.Checks.Exclude); n > 0 {
		parts = append(parts, fmt.Sprintf("%d excluded", n))
	}
	if n := len(p.Checks.Severity); n > 0 {
		parts = append(parts, fmt.Sprintf("%d severity overrides", n))
	}
	if n := len(p.Controls); n > 0 {
		parts = append(parts, fmt.Sprintf("%d controls", n))
	}
	if g := p.DefaultGate(); g.Enabled() {
		parts = append(parts, "a gate")
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
