package json

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// The types below are the wire form of schema_version 1.x. They are kept
// apart from pkg/audit so that the contract changes only on purpose: field
// order is the documented order, every array and map is non-nil, and counts
// are objects with a fixed key set. TestDocumentCoversAudit fails when an
// audit field has no wire counterpart.

type document struct {
	SchemaVersion string      `json:"schema_version"`
	Tool          tool        `json:"tool"`
	CreatedAt     string      `json:"created_at"`
	Sources       []source    `json:"sources"`
	Assets        []asset     `json:"assets"`
	Findings      []finding   `json:"findings"`
	Summary       summary     `json:"summary"`
	Errors        []scanError `json:"errors"`
	Waivers       *waivers    `json:"waivers,omitempty"`
	Baseline      *baseline   `json:"baseline,omitempty"`
	Policy        *policyDoc  `json:"policy,omitempty"`
}

type tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type source struct {
	Kind     string   `json:"kind"`
	Endpoint string   `json:"endpoint"`
	Status   string   `json:"status"`
	Error    string   `json:"error,omitempty"`
	Assets   int      `json:"assets"`
	Notes    []string `json:"notes"`
}

type asset struct {
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	Kind     string            `json:"kind"`
	Platform string            `json:"platform"`
	Source   string            `json:"source"`
	Host     string            `json:"host"`
	Risk     float64           `json:"risk"`
	Grade    string            `json:"grade"`
	Labels   map[string]string `json:"labels"`
}

type finding struct {
	ID          string       `json:"id"`
	CheckID     string       `json:"check_id"`
	AssetID     string       `json:"asset_id"`
	Status      string       `json:"status"`
	Severity    string       `json:"severity"`
	Title       string       `json:"title"`
	Message     string       `json:"message,omitempty"`
	Evidence    []evidence   `json:"evidence"`
	Remediation string       `json:"remediation"`
	References  []string     `json:"references"`
	Tags        []string     `json:"tags"`
	Chain       []string     `json:"chain"`
	Mitigations []mitigation `json:"mitigations"`
	Weight      float64      `json:"weight"`
	Waiver      string       `json:"waiver,omitempty"`
	Baseline    string       `json:"baseline,omitempty"`
}

type evidence struct {
	Path     string          `json:"path"`
	Actual   json.RawMessage `json:"actual"` // encoded up front, so streaming cannot fail on it
	Expected string          `json:"expected"`
}

type mitigation struct {
	ID     string  `json:"id"`
	Title  string  `json:"title"`
	Factor float64 `json:"factor"`
}

type summary struct {
	Assets     int            `json:"assets"`
	MaxRisk    float64        `json:"max_risk"`
	MeanRisk   float64        `json:"mean_risk"`
	BySeverity bySeverity     `json:"by_severity"`
	ByStatus   byStatus       `json:"by_status"`
	ByGrade    map[string]int `json:"by_grade"`
	Gate       *gate          `json:"gate,omitempty"`
}

// bySeverity lists every severity, worst first.
type bySeverity struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Info     int `json:"info"`
}

// byStatus lists every status in audit.Statuses order.
type byStatus struct {
	Fail    int `json:"fail"`
	Pass    int `json:"pass"`
	Unknown int `json:"unknown"`
	Waived  int `json:"waived"`
	Error   int `json:"error"`
}

type gate struct {
	Result  string   `json:"result"`
	Reasons []string `json:"reasons"`
}

type waivers struct {
	File    string         `json:"file"`
	SHA256  string         `json:"sha256"`
	Entries []waiverResult `json:"entries"`
}

type waiverResult struct {
	ID       string `json:"id"`
	CheckID  string `json:"check_id"`
	Status   string `json:"status"`
	Expires  string `json:"expires"`
	Approver string `json:"approver"`
	Findings int    `json:"findings"`
}

type baseline struct {
	File      string     `json:"file"`
	SHA256    string     `json:"sha256"`
	CreatedAt string     `json:"created_at"`
	New       int        `json:"new"`
	Unchanged int        `json:"unchanged"`
	Resolved  []resolved `json:"resolved"`
}

type resolved struct {
	ID           string `json:"id"`
	CheckID      string `json:"check_id"`
	AssetID      string `json:"asset_id"`
	Severity     string `json:"severity"`
	Title        string `json:"title"`
	AssetPresent bool   `json:"asset_present"`
}

type policyDoc struct {
	Name      string    `json:"name"`
	File      string    `json:"file"`
	SHA256    string    `json:"sha256"`
	Framework string    `json:"framework,omitempty"`
	Controls  []control `json:"controls"`
}

type control struct {
	ID     string   `json:"id"`
	Title  string   `json:"title"`
	Checks []string `json:"checks"`
	Status string   `json:"status"`
	Failed int      `json:"failed"`
	Assets []string `json:"assets"`
}

type scanError struct {
	Source  string `json:"source"`
	AssetID string `json:"asset_id,omitempty"`
	Message string `json:"message"`
}

// newDocument converts r to its wire form. It rejects values the contract
// cannot express (an unknown status, severity, kind or count key) instead
// of writing a report that consumers would misread.
func newDocument(r *audit.Report) (*document, error) {
	d, err := newDocumentHead(r)
	if err != nil {
		return nil, err
	}
	d.Findings = make([]finding, 0, r.Findings.Len())
	for _, f := range r.Findings.All() {
		fd, err := newFinding(f)
		if err != nil {
			return nil, err
		}
		d.Findings = append(d.Findings, fd)
	}
	return d, nil
}

// newDocumentHead is newDocument without the findings array, which it
// only validates: the writer converts findings one at a time.
func newDocumentHead(r *audit.Report) (*document, error) {
	if r.SchemaVersion != "" && r.SchemaVersion != audit.SchemaVersion {
		return nil, fmt.Errorf("schema version %q: this writer implements %q", r.SchemaVersion, audit.SchemaVersion)
	}
	d := &document{
		SchemaVersion: audit.SchemaVersion,
		Tool:          tool{Name: r.Tool.Name, Version: r.Tool.Version},
		CreatedAt:     r.CreatedAt.UTC().Format(time.RFC3339Nano),
		Sources:       make([]source, 0, len(r.Sources)),
		Assets:        make([]asset, 0, len(r.Assets)),
		Errors:        make([]scanError, 0, len(r.Errors)),
	}
	for _, s := range r.Sources {
		src, err := newSource(s)
		if err != nil {
			return nil, err
		}
		d.Sources = append(d.Sources, src)
	}
	for _, a := range r.Assets {
		as, err := newAsset(a)
		if err != nil {
			return nil, err
		}
		d.Assets = append(d.Assets, as)
	}
	for i := range r.Findings.Len() {
		if err := validateFinding(&r.Findings, i); err != nil {
			return nil, err
		}
	}
	sum, err := newSummary(r.Summary)
	if err != nil {
		return nil, err
	}
	d.Summary = sum
	for _, e := range r.Errors {
		d.Errors = append(d.Errors, scanError{Source: e.Source, AssetID: e.AssetID, Message: e.Message})
	}
	if r.Waivers != nil {
		d.Waivers = newWaivers(r.Waivers)
	}
	if r.Baseline != nil {
		if d.Baseline, err = newBaseline(r.Baseline); err != nil {
			return nil, err
		}
	}
	if r.Policy != nil {
		d.Policy = newPolicy(r.Policy)
	}
	return d, nil
}

func newSource(s audit.Source) (source, error) {
	switch s.Status {
	case audit.SourceOK, audit.SourceError, audit.SourceSkipped:
	default:
		return source{}, fmt.Errorf("source %q: unknown status %q (supported: ok, error, skipped)", s.Endpoint, s.Status)
	}
	return source{
		Kind:     s.Kind,
		Endpoint: s.Endpoint,
		Status:   s.Status,
		Error:    s.Error,
		Assets:   s.Assets,
		Notes:    nonNil(s.Notes),
	}, nil
}

func newAsset(a audit.AssetResult) (asset, error) {
	switch a.Kind {
	case audit.KindContainer, audit.KindVM, audit.KindHost:
	default:
		return asset{}, fmt.Errorf("asset %q: unknown kind %q (supported: container, vm, host)", a.ID, a.Kind)
	}
	if !(a.Risk >= 0 && a.Risk <= 100) { // also rejects NaN
		return asset{}, fmt.Errorf("asset %q: unsupported value: risk %v outside 0-100", a.ID, a.Risk)
	}
	labels := make(map[string]string, len(a.Labels))
	for k, v := range a.Labels {
		labels[k] = v
	}
	return asset{
		ID:       a.ID,
		Name:     a.Name,
		Kind:     string(a.Kind),
		Platform: a.Platform,
		Source:   a.Source,
		Host:     a.Host,
		Risk:     a.Risk,
		Grade:    a.Grade,
		Labels:   labels,
	}, nil
}

// validateFinding rejects what the wire form cannot express, without
// converting: newFinding then cannot fail on status or severity.
// validateFinding checks finding i of fs without rebuilding it.
func validateFinding(fs *audit.Findings, i int) error {
	if st := fs.Status(i); !validStatus(st) {
		return fmt.Errorf("finding %s %s: unknown status %q (supported: %s)", fs.CheckID(i), fs.AssetID(i), st, statusNames())
	}
	if _, err := fs.Severity(i).MarshalText(); err != nil {
		return fmt.Errorf("finding %s %s: %w", fs.CheckID(i), fs.AssetID(i), err)
	}
	for _, e := range fs.Evidence(i) {
		if _, err := json.Marshal(e.Actual); err != nil {
			return fmt.Errorf("finding %s %s: evidence %s: %w", fs.CheckID(i), fs.AssetID(i), e.Path, err)
		}
	}
	return nil
}

func newFinding(f audit.Finding) (finding, error) {
	if !validStatus(f.Status) {
		return finding{}, fmt.Errorf("finding %s %s: unknown status %q (supported: %s)", f.CheckID, f.AssetID, f.Status, statusNames())
	}
	sev, err := f.Severity.MarshalText()
	if err != nil {
		return finding{}, fmt.Errorf("finding %s %s: %w", f.CheckID, f.AssetID, err)
	}
	ev := make([]evidence, 0, len(f.Evidence))
	for _, e := range f.Evidence {
		actual, err := json.Marshal(e.Actual)
		if err != nil {
			return finding{}, fmt.Errorf("finding %s %s: evidence %s: %w", f.CheckID, f.AssetID, e.Path, err)
		}
		ev = append(ev, evidence{Path: e.Path, Actual: actual, Expected: e.Expected})
	}
	mit := make([]mitigation, 0, len(f.Mitigations))
	for _, m := range f.Mitigations {
		mit = append(mit, mitigation{ID: m.ID, Title: m.Title, Factor: m.Factor})
	}
	return finding{
		ID:          f.ID,
		CheckID:     f.CheckID,
		AssetID:     f.AssetID,
		Status:      string(f.Status),
		Severity:    string(sev),
		Title:       f.Title,
		Message:     f.Message,
		Evidence:    ev,
		Remediation: f.Remediation,
		References:  nonNil(f.References),
		Tags:        nonNil(f.Tags),
		Chain:       nonNil(f.Chain),
		Mitigations: mit,
		Weight:      f.Weight,
		Waiver:      f.Waiver,
		Baseline:    f.Baseline,
	}, nil
}

func newSummary(s audit.Summary) (summary, error) {
	out := summary{
		Assets:   s.Assets,
		MaxRisk:  s.MaxRisk,
		MeanRisk: s.MeanRisk,
		ByGrade:  make(map[string]int, len(s.ByGrade)),
	}
	for name, n := range s.BySeverity {
		sev, err := audit.ParseSeverity(name)
		if err != nil || sev.String() != name {
			return summary{}, fmt.Errorf("summary by_severity: unknown key %q", name)
		}
		*out.BySeverity.count(sev) = n
	}
	for name, n := range s.ByStatus {
		c := out.ByStatus.count(audit.Status(name))
		if c == nil {
			return summary{}, fmt.Errorf("summary by_status: unknown key %q (supported: %s)", name, statusNames())
		}
		*c = n
	}
	for g, n := range s.ByGrade {
		out.ByGrade[g] = n
	}
	if s.Gate != nil {
		switch s.Gate.Result {
		case "pass", "fail", "not_evaluated":
		default:
			return summary{}, fmt.Errorf("summary gate: unknown result %q (supported: pass, fail, not_evaluated)", s.Gate.Result)
		}
		out.Gate = &gate{Result: s.Gate.Result, Reasons: nonNil(s.Gate.Reasons)}
	}
	return out, nil
}

func (c *bySeverity) count(s audit.Severity) *int {
	return [...]*int{&c.Info, &c.Low, &c.Medium, &c.High, &c.Critical}[s]
}

func (c *byStatus) count(s audit.Status) *int {
	switch s {
	case audit.StatusFail:
		return &c.Fail
	case audit.StatusPass:
		return &c.Pass
	case audit.StatusUnknown:
		return &c.Unknown
	case audit.StatusWaived:
		return &c.Waived
	case audit.StatusError:
		return &c.Error
	}
	return nil
}

func validStatus(s audit.Status) bool {
	var c byStatus
	return c.count(s) != nil
}

func statusNames() string {
	names := make([]string, 0, len(audit.Statuses()))
	for _, s := range audit.Statuses() {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}

// nonNil returns a copy of s that encodes as [] when empty.
func nonNil(s []string) []string {
	return append(make([]string, 0, len(s)), s...)
}

func newWaivers(w *audit.WaiverReport) *waivers {
	out := &waivers{File: w.File, SHA256: w.SHA256, Entries: make([]waiverResult, 0, len(w.Entries))}
	for _, e := range w.Entries {
		out.Entries = append(out.Entries, waiverResult{ID: e.ID, CheckID: e.CheckID, Status: e.Status,
			Expires: e.Expires, Approver: e.Approver, Findings: e.Findings})
	}
	return out
}

func newBaseline(b *audit.BaselineReport) (*baseline, error) {
	out := &baseline{File: b.File, SHA256: b.SHA256, CreatedAt: b.CreatedAt, New: b.New, Unchanged: b.Unchanged,
		Resolved: make([]resolved, 0, len(b.Resolved))}
	for _, f := range b.Resolved {
		sev, err := f.Severity.MarshalText()
		if err != nil {
			return nil, fmt.Errorf("baseline resolved %s: %w", f.ID, err)
		}
		out.Resolved = append(out.Resolved, resolved{ID: f.ID, CheckID: f.CheckID, AssetID: f.AssetID,
			Severity: string(sev), Title: f.Title, AssetPresent: f.AssetPresent})
	}
	return out, nil
}

func newPolicy(p *audit.PolicyReport) *policyDoc {
	out := &policyDoc{Name: p.Name, File: p.File, SHA256: p.SHA256, Framework: p.Framework,
		Controls: make([]control, 0, len(p.Controls))}
	for _, c := range p.Controls {
		out.Controls = append(out.Controls, control{ID: c.ID, Title: c.Title, Checks: nonNil(c.Checks),
			Status: c.Status, Failed: c.Failed, Assets: nonNil(c.Assets)})
	}
	return out
}
