// Package ocsf writes a report as OCSF Compliance Finding events (class
// 2003, category Findings), one JSON object per line and per finding, for
// SIEMs and data lakes that ingest OCSF (AWS Security Lake, Splunk, …).
package ocsf

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/report/internal/view"
)

// Version is the OCSF schema version the events declare.
const Version = "1.3.0"

// The class constants of a Compliance Finding "Create" event: type_uid is
// class_uid*100 + activity_id.
const (
	CategoryUID = 2
	ClassUID    = 2003
	ActivityID  = 1
	TypeUID     = ClassUID*100 + ActivityID
)

// Writer writes OCSF JSON lines. It is stateless and safe for concurrent use.
type Writer struct{}

// New returns an OCSF writer.
func New() *Writer { return &Writer{} }

// Format returns "ocsf".
func (*Writer) Format() string { return "ocsf" }

// Write renders one event per finding, in report order, each on its own
// line. A report without findings writes nothing.
func (*Writer) Write(w io.Writer, r *audit.Report) error {
	if r == nil {
		return errors.New("encode ocsf events: nil report")
	}
	assets := view.Index(r)
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, f := range r.Findings.All() {
		f := &f
		buf.Reset()
		if err := enc.Encode(newEvent(r, f, assets.Of(f))); err != nil {
			return fmt.Errorf("encode ocsf event for %s on %s: %w", f.CheckID, f.AssetID, err)
		}
		if _, err := bw.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("write ocsf events: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write ocsf events: %w", err)
	}
	return nil
}

// severityID is OCSF's severity_id: 1 Informational … 5 Critical.
func severityID(s audit.Severity) (int, string) {
	return int(s) + 1, [...]string{"Informational", "Low", "Medium", "High", "Critical"}[s]
}

// complianceStatus maps a status to compliance.status_id: a waived check
// still fails (the waiver is in the finding's status_id); unknown and
// error did not yield a result, which OCSF calls Warning.
func complianceStatus(s audit.Status) (int, string) {
	switch s {
	case audit.StatusPass:
		return 1, "Pass"
	case audit.StatusFail, audit.StatusWaived:
		return 3, "Fail"
	}
	return 2, "Warning"
}

// findingStatus maps a status to the finding lifecycle status_id: waived
// findings are Suppressed, passes Resolved, everything else New.
func findingStatus(s audit.Status) (int, string) {
	switch s {
	case audit.StatusWaived:
		return 3, "Suppressed"
	case audit.StatusPass:
		return 4, "Resolved"
	}
	return 1, "New"
}

// resourceType names an asset's kind and platform the way OCSF resource
// types read: "Docker Container", "Libvirt VM", "Linux Host".
func resourceType(a *audit.AssetResult) string {
	kind := map[audit.Kind]string{audit.KindContainer: "Container", audit.KindVM: "VM", audit.KindHost: "Host"}[a.Kind]
	if kind == "" {
		kind = "Asset"
	}
	if a.Platform == "" {
		return kind
	}
	return view.Title(a.Platform) + " " + kind
}

// newEvent builds the OCSF event of one finding.
func newEvent(r *audit.Report, f *audit.Finding, a *audit.AssetResult) *event {
	sevID, sev := severityID(f.Severity)
	stID, st := findingStatus(f.Status)
	cID, c := complianceStatus(f.Status)
	standards, control := standardsOf(f.References)
	ms := r.CreatedAt.UnixMilli()
	ev := &event{
		ActivityID: ActivityID, ActivityName: "Create",
		CategoryUID: CategoryUID, CategoryName: "Findings",
		ClassUID: ClassUID, ClassName: "Compliance Finding",
		TypeUID: TypeUID, TypeName: "Compliance Finding: Create",
		SeverityID: sevID, Severity: sev,
		StatusID: stID, Status: st,
		Time:    ms,
		Message: view.Summary(f, a),
		Metadata: metadata{
			Version: Version, LogName: "isoaudit",
			Product: product{Name: "isoaudit", UID: "isoaudit", VendorName: "isoaudit", Version: r.Tool.Version},
		},
		FindingInfo: findingInfo{
			UID: f.ID, Title: f.Title, Types: append([]string{}, f.Tags...), CreatedTime: ms,
			Analytic: analytic{UID: f.CheckID, Name: f.CheckID, TypeID: 1, Type: "Rule"},
		},
		Compliance: compliance{
			Standards: standards, Control: control,
			StatusID: cID, Status: c, StatusDetail: statusDetail(f),
		},
		Resources: []resource{{
			UID: a.ID, Name: a.Name, Type: resourceType(a), Labels: view.Labels(a.Labels),
			Data: resourceData{Host: a.Host, Platform: a.Platform, Kind: string(a.Kind), Source: a.Source, Risk: a.Risk, Grade: a.Grade},
		}},
		Unmapped: unmapped{Isoaudit: isoaudit{
			Status: string(f.Status), Weight: f.Weight, Evidence: []evidence{}, Chain: append([]string{}, f.Chain...),
		}},
	}
	if f.Remediation != "" {
		ev.Remediation = &remediation{Desc: f.Remediation, References: urls(f.References)}
	}
	for _, e := range f.Evidence {
		ev.Unmapped.Isoaudit.Evidence = append(ev.Unmapped.Isoaudit.Evidence, evidence{Path: e.Path, Actual: view.RawActual(e.Actual), Expected: e.Expected})
	}
	return ev
}

// standardsOf reads the CIS references ("CIS-Docker-1.6.0:5.4") as OCSF
// standards and control; a check without one belongs to isoaudit's own
// catalog.
func standardsOf(refs []string) ([]string, string) {
	var controls []string
	for _, ref := range refs {
		if c, ok := strings.CutPrefix(ref, "CIS-Docker-1.6.0:"); ok {
			controls = append(controls, c)
		}
	}
	if len(controls) == 0 {
		return []string{"isoaudit escape-risk checks"}, ""
	}
	return []string{"CIS Docker Benchmark v1.6.0"}, strings.Join(controls, ", ")
}

func urls(refs []string) []string {
	out := []string{}
	for _, ref := range refs {
		if strings.HasPrefix(ref, "https://") || strings.HasPrefix(ref, "http://") {
			out = append(out, ref)
		}
	}
	return out
}

func statusDetail(f *audit.Finding) string {
	parts := make([]string, 0, len(f.Evidence)+1)
	for _, e := range f.Evidence {
		parts = append(parts, view.EvidenceText(e))
	}
	if f.Message != "" {
		parts = append(parts, f.Message)
	}
	return strings.Join(parts, "; ")
}
