package table

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

const (
	labelWidth   = len("CRITICAL")
	maxIDWidth   = 20
	detailIndent = "    "
)

// printer lays out one report into buf.
type printer struct {
	buf        *bytes.Buffer
	st         style
	showPassed bool
	idWidth    int // check id column, sized to the longest id shown
}

func (p *printer) println(line string) {
	p.buf.WriteString(line)
	p.buf.WriteByte('\n')
}

func (p *printer) wrapped(prefix, text, indent string) {
	for _, l := range wrap(prefix, text, indent) {
		p.println(l)
	}
}

func (p *printer) report(r *audit.Report) {
	p.header(r)
	p.sources(r.Sources)
	p.scanErrors(r.Errors)
	if r.Policy != nil && len(r.Policy.Controls) > 0 {
		p.controls(r)
	} else {
		p.assets(r)
	}
	p.summary(r)
}

func (p *printer) header(r *audit.Report) {
	line := cmp.Or(clean(r.Tool.Name), "isoaudit")
	if v := clean(r.Tool.Version); v != "" {
		line += " " + v
	}
	if !r.CreatedAt.IsZero() {
		line += " · " + r.CreatedAt.UTC().Format(time.RFC3339)
	}
	p.println(line)
}

func (p *printer) sources(sources []audit.Source) {
	p.println("")
	if len(sources) == 0 {
		p.println("sources: none")
		return
	}
	p.println("sources")
	kindWidth := 0
	for _, s := range sources {
		kindWidth = max(kindWidth, width(clean(s.Kind)))
	}
	for _, s := range sources {
		line := "  " + p.st.sourceStatus(s.Status, padRight(clean(s.Status), len(audit.SourceSkipped))) +
			"  " + padRight(clean(s.Kind), kindWidth) + "  " + clean(s.Endpoint)
		if s.Status == audit.SourceOK {
			line += " (" + plural(s.Assets, "asset") + ")"
		}
		p.println(line)
		if s.Error != "" {
			label := "error: "
			if s.Status == audit.SourceSkipped {
				label = "reason: "
			}
			p.wrapped(detailIndent+label, prose(s.Error), detailIndent+"  ")
		}
		for _, n := range s.Notes {
			p.wrapped(detailIndent+"note: ", prose(n), detailIndent+"  ")
		}
	}
}

func (p *printer) scanErrors(errs []audit.ScanError) {
	if len(errs) == 0 {
		return
	}
	p.println("")
	p.println("scan errors")
	for _, e := range errs {
		where := clean(e.Source)
		if e.AssetID != "" {
			where += " " + clean(e.AssetID)
		}
		p.wrapped("  "+where+": ", prose(e.Message), detailIndent)
	}
}

// assets prints every asset by risk, then findings whose asset is not in
// the report (so nothing is silently dropped).
func (p *printer) assets(r *audit.Report) {
	byAsset := make(map[string]*assetFindings)
	p.eachFinding(r, func(asset string, st audit.Status, f *audit.Finding) {
		af := byAsset[asset]
		if af == nil {
			af = &assetFindings{hidden: map[audit.Status]int{}}
			byAsset[asset] = af
		}
		if f == nil {
			af.hidden[st]++
			return
		}
		af.shown = append(af.shown, *f)
	})
	assets := slices.Clone(r.Assets)
	slices.SortStableFunc(assets, func(a, b audit.AssetResult) int {
		return cmp.Or(cmp.Compare(b.Risk, a.Risk), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	if len(assets) == 0 {
		p.println("")
		p.println("no assets")
	}
	for _, a := range assets {
		p.println("")
		p.println(p.assetLine(a))
		p.findings(byAsset[a.ID])
		delete(byAsset, a.ID)
	}
	orphans := make([]string, 0, len(byAsset))
	for id := range byAsset {
		orphans = append(orphans, id)
	}
	slices.Sort(orphans)
	for _, id := range orphans {
		p.println("")
		p.println(clean(id) + "  (asset not in report)")
		p.findings(byAsset[id])
	}
}

func (p *printer) assetLine(a audit.AssetResult) string {
	grade := cmp.Or(clean(a.Grade), "-")
	return clean(a.Name) + "  " + clean(string(a.Kind)) + "/" + clean(a.Platform) +
		"  " + p.st.grade(a.Grade, fmt.Sprintf("risk %.1f  grade %s", a.Risk, grade))
}

// statusRank orders findings within an asset: what needs action first.
var statusRank = map[audit.Status]int{
	audit.StatusFail: 0, audit.StatusUnknown: 1, audit.StatusError: 2, audit.StatusWaived: 3, audit.StatusPass: 4,
}

// byActionNeeded orders an asset's findings: by status (statusRank; an
// unexpected status last), then severity (worst first), check id and id.
func byActionNeeded(a, b audit.Finding) int {
	return cmp.Or(cmp.Compare(rank(a.Status), rank(b.Status)), cmp.Compare(b.Severity, a.Severity),
		cmp.Compare(a.CheckID, b.CheckID), cmp.Compare(a.ID, b.ID))
}

func rank(s audit.Status) int {
	if r, ok := statusRank[s]; ok {
		return r
	}
	return len(statusRank)
}

func (p *printer) visible(st audit.Status) bool {
	return p.showPassed || (st != audit.StatusPass && st != audit.StatusWaived)
}

// eachFinding calls fn for every finding of r with its asset and status,
// and the finding itself only when it is shown: hidden findings (passes,
// a large fleet's bulk) are never rebuilt. It also sizes the check id
// column.
func (p *printer) eachFinding(r *audit.Report, fn func(asset string, st audit.Status, f *audit.Finding)) {
	for i := range r.Findings.Len() {
		st := r.Findings.Status(i)
		if !p.visible(st) {
			fn(r.Findings.AssetID(i), st, nil)
			continue
		}
		f := r.Findings.At(i)
		p.idWidth = max(p.idWidth, min(width(clean(f.CheckID)), maxIDWidth))
		fn(f.AssetID, st, &f)
	}
}

// assetFindings are an asset's shown findings and the number hidden by
// status.
type assetFindings struct {
	shown  []audit.Finding
	hidden map[audit.Status]int
}

func (p *printer) findings(af *assetFindings) {
	if af == nil {
		af = &assetFindings{}
	}
	shown, hidden := af.shown, af.hidden
	slices.SortStableFunc(shown, byActionNeeded)
	for _, f := range shown {
		p.finding(f)
	}
	var notShown []string
	if n := hidden[audit.StatusPass]; n > 0 {
		notShown = append(notShown, fmt.Sprintf("%d passed", n))
	}
	if n := hidden[audit.StatusWaived]; n > 0 {
		notShown = append(notShown, fmt.Sprintf("%d waived", n))
	}
	switch {
	case len(shown) == 0 && len(notShown) == 0:
		p.println("  no findings")
	case len(shown) == 0:
		p.println("  no failing findings (" + strings.Join(notShown, ", ") + " not shown)")
	case len(notShown) > 0:
		p.println("  (" + strings.Join(notShown, ", ") + " not shown)")
	}
}

func (p *printer) finding(f audit.Finding) {
	label := strings.ToUpper(clean(string(f.Status)))
	if f.Status == audit.StatusFail {
		label = strings.ToUpper(f.Severity.String())
	}
	line := "  " + p.st.label(f, padRight(label, labelWidth)) + "  " +
		padRight(clean(f.CheckID), p.idWidth) + "  " + prose(f.Title)
	if f.Status != audit.StatusFail {
		line += " [" + f.Severity.String() + "]"
	} else if len(f.Mitigations) > 0 {
		line += " " + mitigated(f.Mitigations)
	}
	if f.Baseline == audit.BaselineNew {
		line += " (new)"
	}
	p.println(line)

	switch f.Status {
	case audit.StatusFail:
		if fix := firstSentence(f.Remediation); fix != "" {
			p.println(detailIndent + "fix: " + truncate(prose(fix), maxWidth-width(detailIndent+"fix: ")))
		}
		if len(f.Evidence) > 0 {
			p.println(evidenceLine(f.Evidence))
		}
		if len(f.Chain) > 0 {
			p.wrapped(detailIndent+"chain: ", clean(strings.Join(f.Chain, ", ")), detailIndent+"  ")
		}
	case audit.StatusUnknown:
		p.wrapped(detailIndent+"reason: ", prose(cmp.Or(f.Message, "not reported")), detailIndent+"  ")
	case audit.StatusError:
		p.wrapped(detailIndent+"error: ", prose(cmp.Or(f.Message, "not reported")), detailIndent+"  ")
	case audit.StatusWaived:
		if f.Message != "" {
			p.wrapped(detailIndent+"waived: ", prose(f.Message), detailIndent+"  ")
		}
	}
}

// mitigated says which mitigations held and how they scaled the weight:
// "(mitigated by userns-remap: weight ×0.25)".
func mitigated(ms []audit.AppliedMitigation) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = clean(m.ID) + ": weight ×" + factor(m.Factor)
	}
	return "(mitigated by " + strings.Join(parts, "; ") + ")"
}

// evidenceLine shows the first evidence item as "Path=actual (expected …)",
// the actual value shortened so the line fits.
func evidenceLine(ev []audit.Evidence) string {
	e := ev[0]
	prefix := detailIndent + "evidence: " + clean(e.Path) + "="
	suffix := ""
	if exp := prose(e.Expected); exp != "" {
		suffix = " (expected " + truncate(exp, 40) + ")"
	}
	if n := len(ev) - 1; n > 0 {
		suffix += fmt.Sprintf(" (+%d more)", n)
	}
	budget := max(maxWidth-width(prefix)-width(suffix), 24)
	return prefix + formatActual(e.Actual, budget) + suffix
}

func (p *printer) summary(r *audit.Report) {
	s := r.Summary
	p.println("")
	p.println(fmt.Sprintf("%s · max risk %.1f · critical %d, high %d, medium %d, low %d · unknown %d · errors %d",
		plural(s.Assets, "asset"), s.MaxRisk,
		s.BySeverity[audit.SeverityCritical.String()], s.BySeverity[audit.SeverityHigh.String()],
		s.BySeverity[audit.SeverityMedium.String()], s.BySeverity[audit.SeverityLow.String()],
		s.ByStatus[string(audit.StatusUnknown)], s.ByStatus[string(audit.StatusError)]+len(r.Errors)))
	if r.Incomplete() {
		failed := 0
		for _, src := range r.Sources {
			if src.Status == audit.SourceError {
				failed++
			}
		}
		p.println(fmt.Sprintf("scan incomplete: %s failed, %s", plural(failed, "source"), plural(len(r.Errors), "scan error")))
	}
	p.waivers(r.Waivers)
	p.baseline(r.Baseline)
	if g := s.Gate; g != nil {
		result := strings.ReplaceAll(clean(g.Result), "_", " ")
		p.println("gate: " + p.st.gate(g.Result, result))
		for _, reason := range g.Reasons {
			p.wrapped("  - ", prose(reason), "    ")
		}
	}
}

// waivers sums up what the waiver file did, naming the entries that
// expired or matched nothing: both need someone's attention.
func (p *printer) waivers(w *audit.WaiverReport) {
	if w == nil {
		return
	}
	ids := map[string][]string{}
	for _, e := range w.Entries {
		ids[e.Status] = append(ids[e.Status], clean(e.ID))
	}
	parts := []string{fmt.Sprintf("%d applied", len(ids[audit.WaiverApplied]))}
	for _, st := range []string{audit.WaiverExpired, audit.WaiverUnmatched} {
		if n := len(ids[st]); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s (%s)", n, st, strings.Join(ids[st], ", ")))
		}
	}
	p.wrapped("waivers: ", clean(w.File)+" sha256:"+clean(w.SHA256[:min(12, len(w.SHA256))])+" · "+strings.Join(parts, ", "), "  ")
}

// baseline sums up the comparison with the baseline report and lists
// the failures that were resolved since.
func (p *printer) baseline(b *audit.BaselineReport) {
	if b == nil {
		return
	}
	p.wrapped("baseline: ", fmt.Sprintf("%s (%s) · %d new, %d unchanged, %d resolved", clean(b.File), clean(b.CreatedAt),
		b.New, b.Unchanged, len(b.Resolved)), "  ")
	for _, f := range b.Resolved {
		gone := ""
		if !f.AssetPresent {
			gone = " (asset gone)"
		}
		p.println(truncate("  resolved  "+clean(f.CheckID)+"  "+clean(f.AssetID)+gone+"  "+prose(f.Title), maxWidth))
	}
}
