package json

import (
	"fmt"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// decodeWorkflow restores the optional sections --waivers, --baseline and
// --policy add, so a converted report keeps them.
func decodeWorkflow(doc document, rep *audit.Report) error {
	if w := doc.Waivers; w != nil {
		rep.Waivers = &audit.WaiverReport{File: w.File, SHA256: w.SHA256, Entries: make([]audit.WaiverResult, 0, len(w.Entries))}
		for _, e := range w.Entries {
			rep.Waivers.Entries = append(rep.Waivers.Entries, audit.WaiverResult{ID: e.ID, CheckID: e.CheckID,
				Status: e.Status, Expires: e.Expires, Approver: e.Approver, Findings: e.Findings})
		}
	}
	if b := doc.Baseline; b != nil {
		rep.Baseline = &audit.BaselineReport{File: b.File, SHA256: b.SHA256, CreatedAt: b.CreatedAt, New: b.New,
			Unchanged: b.Unchanged, Resolved: make([]audit.ResolvedFinding, 0, len(b.Resolved))}
		for i, f := range b.Resolved {
			var sev audit.Severity
			if err := sev.UnmarshalText([]byte(f.Severity)); err != nil {
				return fmt.Errorf("baseline resolved[%d] severity: %w", i, err)
			}
			rep.Baseline.Resolved = append(rep.Baseline.Resolved, audit.ResolvedFinding{ID: f.ID, CheckID: f.CheckID,
				AssetID: f.AssetID, Severity: sev, Title: f.Title, AssetPresent: f.AssetPresent})
		}
	}
	if p := doc.Policy; p != nil {
		rep.Policy = &audit.PolicyReport{Name: p.Name, File: p.File, SHA256: p.SHA256, Framework: p.Framework,
			Controls: make([]audit.ControlResult, 0, len(p.Controls))}
		for _, c := range p.Controls {
			rep.Policy.Controls = append(rep.Policy.Controls, audit.ControlResult{ID: c.ID, Title: c.Title,
				Checks: c.Checks, Status: c.Status, Failed: c.Failed, Assets: c.Assets})
		}
	}
	return nil
}
