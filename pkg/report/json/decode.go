package json

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// majorOne matches the schema versions this package reads.
var majorOne = regexp.MustCompile(`^1\.[0-9]+$`)

// Decode reads a native JSON report (schema_version 1.x) back into an
// audit.Report, so a saved report can be rendered in any format without
// rescanning. Unknown fields are ignored, as the contract asks of every
// consumer. Writing the result with the JSON writer reproduces a 1.0
// report byte for byte; evidence values are kept as the raw JSON they were
// written as (json.RawMessage). Assets come back without their normalized
// documents, which the report never carries.
//
// Decode rejects input that is not a 1.x report, with an error naming the
// offending field: a different major version, a missing or malformed
// created_at, an unknown status or severity, or trailing data.
func Decode(r io.Reader) (*audit.Report, error) {
	dec := json.NewDecoder(r)
	var doc document
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode json report: %w", describe(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("decode json report: unexpected data after the report object")
	}
	if doc.SchemaVersion == "" {
		return nil, errors.New("decode json report: schema_version missing (not an isoaudit report?)")
	}
	if !majorOne.MatchString(doc.SchemaVersion) {
		return nil, fmt.Errorf("decode json report: schema_version %q: this isoaudit reads 1.x", doc.SchemaVersion)
	}
	created, err := time.Parse(time.RFC3339Nano, doc.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("decode json report: created_at %q is not an RFC 3339 time", doc.CreatedAt)
	}
	rep := &audit.Report{
		SchemaVersion: audit.SchemaVersion,
		Tool:          audit.Tool{Name: doc.Tool.Name, Version: doc.Tool.Version},
		CreatedAt:     created.UTC(),
		Sources:       make([]audit.Source, 0, len(doc.Sources)),
		Assets:        make([]audit.AssetResult, 0, len(doc.Assets)),
		Errors:        make([]audit.ScanError, 0, len(doc.Errors)),
	}
	for _, s := range doc.Sources {
		rep.Sources = append(rep.Sources, audit.Source{
			Kind: s.Kind, Endpoint: s.Endpoint, Status: s.Status, Error: s.Error, Assets: s.Assets, Notes: s.Notes,
		})
	}
	for _, a := range doc.Assets {
		rep.Assets = append(rep.Assets, audit.AssetResult{
			Asset: &audit.Asset{ID: a.ID, Name: a.Name, Kind: audit.Kind(a.Kind), Platform: a.Platform, Source: a.Source, Labels: a.Labels},
			Host:  a.Host, Risk: a.Risk, Grade: a.Grade,
		})
	}
	for i, f := range doc.Findings {
		fd, err := decodeFinding(f)
		if err != nil {
			return nil, fmt.Errorf("decode json report: findings[%d]: %w", i, err)
		}
		rep.Findings.Append(fd)
	}
	rep.Summary = decodeSummary(doc.Summary)
	for _, e := range doc.Errors {
		rep.Errors = append(rep.Errors, audit.ScanError{Source: e.Source, AssetID: e.AssetID, Message: e.Message})
	}
	if err := decodeWorkflow(doc, rep); err != nil {
		return nil, fmt.Errorf("decode json report: %w", err)
	}
	// Round-trip through the writer's own checks: a report it would refuse
	// to write (unknown kind, status, risk out of range) is refused here.
	if _, err := newDocument(rep); err != nil {
		return nil, fmt.Errorf("decode json report: %w", err)
	}
	return rep, nil
}

func decodeFinding(f finding) (audit.Finding, error) {
	var sev audit.Severity
	if err := sev.UnmarshalText([]byte(f.Severity)); err != nil {
		return audit.Finding{}, fmt.Errorf("severity: %w", err)
	}
	if !validStatus(audit.Status(f.Status)) {
		return audit.Finding{}, fmt.Errorf("status: unknown status %q (supported: %s)", f.Status, statusNames())
	}
	ev := make([]audit.Evidence, 0, len(f.Evidence))
	for _, e := range f.Evidence {
		var actual any
		if len(e.Actual) > 0 {
			actual = e.Actual
		}
		ev = append(ev, audit.Evidence{Path: e.Path, Actual: actual, Expected: e.Expected})
	}
	var mit []audit.AppliedMitigation
	for _, m := range f.Mitigations {
		mit = append(mit, audit.AppliedMitigation{ID: m.ID, Title: m.Title, Factor: m.Factor})
	}
	return audit.Finding{
		ID: f.ID, CheckID: f.CheckID, AssetID: f.AssetID, Status: audit.Status(f.Status), Severity: sev,
		Title: f.Title, Message: f.Message, Evidence: ev, Remediation: f.Remediation,
		References: f.References, Tags: f.Tags, Chain: f.Chain, Mitigations: mit, Weight: f.Weight,
		Waiver: f.Waiver, Baseline: f.Baseline,
	}, nil
}

func decodeSummary(s summary) audit.Summary {
	out := audit.Summary{
		Assets:     s.Assets,
		MaxRisk:    s.MaxRisk,
		MeanRisk:   s.MeanRisk,
		BySeverity: make(map[string]int, len(audit.Severities())),
		ByStatus:   make(map[string]int, len(audit.Statuses())),
		ByGrade:    make(map[string]int, len(s.ByGrade)),
	}
	for _, sev := range audit.Severities() {
		out.BySeverity[sev.String()] = *s.BySeverity.count(sev)
	}
	for _, st := range audit.Statuses() {
		out.ByStatus[string(st)] = *s.ByStatus.count(st)
	}
	for g, n := range s.ByGrade {
		out.ByGrade[g] = n
	}
	if s.Gate != nil {
		out.Gate = &audit.GateResult{Result: s.Gate.Result, Reasons: s.Gate.Reasons}
	}
	return out
}

// describe turns encoding/json's errors into the field that was wrong.
func describe(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fmt.Errorf("field %s: expected %s, got JSON %s", typeErr.Field, typeErr.Type, typeErr.Value)
	}
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return fmt.Errorf("invalid JSON at byte %d: %v", syntax.Offset, err)
	}
	if errors.Is(err, io.EOF) {
		return errors.New("empty input")
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("truncated JSON")
	}
	return err
}
