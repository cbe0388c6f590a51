// Package sarif writes a report as SARIF 2.1.0 for GitHub code scanning and
// other SARIF consumers: failed findings are results, waived findings are
// results with an accepted external suppression, errors are tool
// notifications. Findings about running assets have no source file, so
// each asset gets a stable pseudo-path (platform/host/name) at line 1.
package sarif

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/report/internal/view"
)

// SchemaURI is the $schema written into every log: the OASIS errata01
// schema, the one GitHub documents.
const SchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// Writer writes SARIF 2.1.0. It is stateless and safe for concurrent use.
type Writer struct{}

// New returns a SARIF writer.
func New() *Writer { return &Writer{} }

// Format returns "sarif".
func (*Writer) Format() string { return "sarif" }

// Write renders r as one SARIF log with one run, indented, ending in a
// newline. Results keep the report's finding order; rules are sorted by id.
//
// The rules come before the results, so the findings are read twice: once
// for the rules and notifications (the log without results is encoded
// whole), then each result is rendered as it is written into the results
// array, so a fleet's results are never all held at once.
func (*Writer) Write(w io.Writer, r *audit.Report) error {
	if r == nil {
		return errors.New("encode sarif report: nil report")
	}
	doc, results, index := build(r)
	var head bytes.Buffer
	if err := newEncoder(&head, "").Encode(doc); err != nil {
		return fmt.Errorf("encode sarif report: %w", err)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := writeResults(bw, head.Bytes(), r, results, index); err != nil {
		return fmt.Errorf("encode sarif report: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write sarif report: %w", err)
	}
	return nil
}

func newEncoder(w io.Writer, prefix string) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	return enc
}

// emptyResults is how the encoder writes the run's empty results array
// (log > runs > run > results: three levels in); no string value can
// contain it, since quotes inside strings are escaped.
const emptyResults = "\n      \"results\": [],\n"

// writeResults writes head, the log encoded without results, with the
// results of the findings at the given indexes spliced into its results
// array exactly as encoding the whole log would lay them out.
func writeResults(w *bufio.Writer, head []byte, r *audit.Report, results []int32, index map[string]int) error {
	if len(results) == 0 {
		_, err := w.Write(head)
		return err
	}
	before, after, ok := bytes.Cut(head, []byte(emptyResults))
	if !ok { // never silently drop results: the layout is pinned by the golden tests
		return errors.New("the run's results array is not where the writer expects it")
	}
	w.Write(before)
	w.WriteString("\n      \"results\": [\n")
	assets := view.Index(r)
	var buf bytes.Buffer
	enc := newEncoder(&buf, "        ")
	for k, i := range results {
		f := r.Findings.At(int(i))
		res := newResult(&f, assets.Of(&f))
		res.RuleIndex = index[res.RuleID]
		buf.Reset()
		if err := enc.Encode(res); err != nil {
			return err
		}
		w.WriteString("        ")
		w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		if k < len(results)-1 {
			w.WriteByte(',')
		}
		w.WriteByte('\n')
	}
	w.WriteString("      ],\n")
	_, err := w.Write(after)
	return err
}

// securitySeverity is GitHub's security-severity per severity: 9.0+ is
// critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low (Trivy's values).
// Info findings carry none, so GitHub does not list them as security alerts.
var securitySeverity = map[audit.Severity]string{
	audit.SeverityCritical: "9.5", audit.SeverityHigh: "8.0", audit.SeverityMedium: "5.5", audit.SeverityLow: "2.0",
}

// Level maps a severity to the SARIF result level.
func Level(s audit.Severity) string {
	switch {
	case s >= audit.SeverityHigh:
		return "error"
	case s == audit.SeverityMedium:
		return "warning"
	}
	return "note"
}

// build makes the log without its results, and returns the indexes of
// the findings that are results (failed and waived, in report order) and
// each rule's index. Only those findings and errors are rebuilt.
func build(r *audit.Report) (*log, []int32, map[string]int) {
	assets := view.Index(r)
	out := run{
		Tool: tool{Driver: driver{
			Name:           "isoaudit",
			Version:        r.Tool.Version,
			InformationURI: "https://github.com/isoaudit/isoaudit",
			Rules:          []rule{},
		}},
		Invocations: []invocation{{ExecutionSuccessful: !r.Incomplete(), Notifications: []notification{}}},
		Results:     []result{},
		Properties: map[string]any{
			"isoaudit": map[string]any{"created_at": r.CreatedAt.UTC().Format("2006-01-02T15:04:05.999999999Z07:00"), "max_risk": r.Summary.MaxRisk},
		},
	}
	rules := map[string]*rule{}
	var results []int32
	for i := range r.Findings.Len() {
		switch r.Findings.Status(i) {
		case audit.StatusFail, audit.StatusWaived:
			f := r.Findings.At(i)
			addRule(rules, &f)
			results = append(results, int32(i))
		case audit.StatusError:
			f := r.Findings.At(i)
			a := assets.Of(&f)
			out.Invocations[0].Notifications = append(out.Invocations[0].Notifications, notification{
				Level:      "error",
				Message:    message{Text: f.CheckID + " on " + a.Name + ": " + f.Message},
				Descriptor: &reference{ID: f.CheckID},
			})
		}
	}
	for _, e := range r.Errors {
		text := e.Source + ": " + e.Message
		if e.AssetID != "" {
			text = e.Source + " (" + e.AssetID + "): " + e.Message
		}
		out.Invocations[0].Notifications = append(out.Invocations[0].Notifications, notification{Level: "error", Message: message{Text: text}})
	}
	ids := make([]string, 0, len(rules))
	for id := range rules {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	index := map[string]int{}
	for i, id := range ids {
		out.Tool.Driver.Rules = append(out.Tool.Driver.Rules, *rules[id])
		index[id] = i
	}
	return &log{Schema: SchemaURI, Version: "2.1.0", Runs: []run{out}}, results, index
}

// addRule records the check behind f; a check reported at several
// severities (a policy override on some assets) takes the highest.
func addRule(rules map[string]*rule, f *audit.Finding) {
	if r, ok := rules[f.CheckID]; ok {
		if f.Severity > r.severity {
			r.severity = f.Severity
			r.DefaultConfiguration.Level = Level(f.Severity)
			r.Properties.SecuritySeverity = securitySeverity[f.Severity]
		}
		return
	}
	help := f.Remediation
	if help == "" {
		help = f.Title
	}
	if len(f.References) > 0 {
		help += "\n\nReferences: " + strings.Join(f.References, ", ")
	}
	tags := append([]string{"security"}, f.Tags...)
	if len(tags) > 20 { // GitHub's limit
		tags = tags[:20]
	}
	rules[f.CheckID] = &rule{
		ID:                   f.CheckID,
		Name:                 f.CheckID,
		ShortDescription:     message{Text: clip(f.Title, 1024)},
		FullDescription:      message{Text: clip(strings.TrimSuffix(f.Title+". "+f.Remediation, " "), 1024)},
		Help:                 message{Text: help},
		DefaultConfiguration: configuration{Level: Level(f.Severity)},
		Properties:           ruleProperties{Tags: tags, Precision: "very-high", SecuritySeverity: securitySeverity[f.Severity]},
		severity:             f.Severity,
	}
}

func newResult(f *audit.Finding, a *audit.AssetResult) result {
	res := result{
		RuleID:  f.CheckID,
		Level:   Level(f.Severity),
		Message: message{Text: view.Summary(f, a)},
		Locations: []location{{
			PhysicalLocation: physicalLocation{
				ArtifactLocation: artifactLocation{URI: PseudoPath(a)},
				Region:           region{StartLine: 1, StartColumn: 1, EndLine: 1, EndColumn: 1},
			},
			LogicalLocations: []logicalLocation{{
				Kind: "resource", Name: a.Name, FullyQualifiedName: a.ID,
			}},
		}},
		PartialFingerprints: map[string]string{
			"primaryLocationLineHash": f.ID + ":1",
			"isoauditFindingId/v1":    f.ID,
		},
		Properties: resultProperties{
			FindingID: f.ID, AssetID: f.AssetID, Status: string(f.Status), Severity: f.Severity.String(), Evidence: []evidence{},
		},
	}
	for _, e := range f.Evidence {
		res.Properties.Evidence = append(res.Properties.Evidence, evidence{Path: e.Path, Actual: view.RawActual(e.Actual), Expected: e.Expected})
	}
	if f.Status == audit.StatusWaived {
		just := f.Message
		if just == "" {
			just = "waived"
		}
		res.Suppressions = []suppression{{Kind: "external", Status: "accepted", Justification: just}}
	}
	return res
}

// PseudoPath is the stable artifact URI of an asset: platform, host and
// name, each percent-escaped ("docker/node-7/web-1"). It never holds a
// container id or image tag, so it survives re-creation and GitHub keeps
// tracking the same alert.
func PseudoPath(a *audit.AssetResult) string {
	seg := func(s, fallback string) string {
		if s == "" {
			s = fallback
		}
		return url.PathEscape(s)
	}
	return seg(a.Platform, string(a.Kind)) + "/" + seg(a.Host, "unknown-host") + "/" + seg(a.Name, a.ID)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
