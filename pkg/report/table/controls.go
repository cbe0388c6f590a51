package table

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// controls lays the report out by benchmark control (a policy such as
// cis-docker-1.6 chose them): each control with its verdict and the
// findings of its checks across every asset, then one line per asset.
// A finding whose check belongs to no control is listed under "other".
func (p *printer) controls(r *audit.Report) {
	pol := r.Policy
	p.println("")
	p.println(clean(cmp.Or(pol.Framework, "controls")) + " · policy " + clean(pol.Name))
	names := make(map[string]string, len(r.Assets))
	for _, a := range r.Assets {
		names[a.ID] = a.Name
	}
	byCheck := map[string][]audit.Finding{} // shown findings only
	p.eachFinding(r, func(_ string, _ audit.Status, f *audit.Finding) {
		if f != nil {
			byCheck[f.CheckID] = append(byCheck[f.CheckID], *f)
		}
	})
	covered := map[string]bool{}
	for _, c := range pol.Controls {
		var fs []audit.Finding
		for _, id := range c.Checks {
			fs = append(fs, byCheck[id]...)
			covered[id] = true
		}
		status := strings.ToUpper(strings.ReplaceAll(clean(c.Status), "_", " "))
		line := clean(c.ID) + "  " + prose(c.Title) + "  " + p.st.gate(controlStyle(c.Status), status)
		if c.Failed > 0 {
			line += fmt.Sprintf(" (%s on %s)", plural(c.Failed, "failed finding"), plural(len(c.Assets), "asset"))
		}
		p.println("")
		p.println(line)
		p.controlFindings(fs, names)
	}
	var rest []audit.Finding
	for id, fs := range byCheck {
		if !covered[id] {
			rest = append(rest, fs...)
		}
	}
	if len(rest) > 0 {
		p.println("")
		p.println("other checks")
		p.controlFindings(rest, names)
	}
	p.println("")
	p.println("assets")
	assets := slices.Clone(r.Assets)
	slices.SortStableFunc(assets, func(a, b audit.AssetResult) int {
		return cmp.Or(cmp.Compare(b.Risk, a.Risk), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	for _, a := range assets {
		p.println("  " + p.assetLine(a))
	}
}

// controlFindings prints a control's shown findings, one line each
// naming the asset, with the evidence of failures.
func (p *printer) controlFindings(fs []audit.Finding, names map[string]string) {
	slices.SortStableFunc(fs, func(a, b audit.Finding) int {
		return cmp.Or(cmp.Compare(rank(a.Status), rank(b.Status)), cmp.Compare(b.Severity, a.Severity),
			cmp.Compare(a.CheckID, b.CheckID), cmp.Compare(names[a.AssetID], names[b.AssetID]), cmp.Compare(a.AssetID, b.AssetID))
	})
	for _, f := range fs {
		label := strings.ToUpper(clean(string(f.Status)))
		if f.Status == audit.StatusFail {
			label = strings.ToUpper(f.Severity.String())
		}
		asset := cmp.Or(names[f.AssetID], f.AssetID)
		line := "  " + p.st.label(f, padRight(label, labelWidth)) + "  " + padRight(clean(f.CheckID), p.idWidth) +
			"  " + clean(asset) + "  " + prose(f.Title)
		if f.Baseline == audit.BaselineNew {
			line += " (new)"
		}
		p.println(line)
		if f.Status == audit.StatusFail && len(f.Evidence) > 0 {
			p.println(evidenceLine(f.Evidence))
		}
	}
}

// controlStyle maps a control verdict onto the gate colours.
func controlStyle(status string) string {
	switch status {
	case audit.ControlFail:
		return "fail"
	case audit.ControlPass, audit.ControlWaived:
		return "pass"
	}
	return "not_evaluated"
}
