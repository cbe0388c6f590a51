// Package prometheus writes a report in the Prometheus text exposition
// format, for the node_exporter textfile collector or a Pushgateway:
// low-cardinality gauges named per the Prometheus naming guide.
package prometheus

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/proto"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Writer writes the text exposition format. It is stateless and safe for
// concurrent use.
type Writer struct{}

// New returns a Prometheus writer.
func New() *Writer { return &Writer{} }

// Format returns "prometheus".
func (*Writer) Format() string { return "prometheus" }

// Write renders the metrics of r. Every series of a family is written even
// when zero (each status × severity, each source kind × status seen), so
// a series never disappears between runs and alerts on it stay defined.
func (*Writer) Write(w io.Writer, r *audit.Report) error {
	if r == nil {
		return errors.New("encode prometheus metrics: nil report")
	}
	var buf bytes.Buffer
	for _, mf := range Families(r) {
		if _, err := expfmt.MetricFamilyToText(&buf, mf); err != nil {
			return fmt.Errorf("encode prometheus metrics: %w", err)
		}
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write prometheus metrics: %w", err)
	}
	return nil
}

type label struct{ name, value string }

func gauge(name, help string) *dto.MetricFamily {
	return &dto.MetricFamily{Name: proto.String(name), Help: proto.String(help), Type: dto.MetricType_GAUGE.Enum()}
}

func add(mf *dto.MetricFamily, v float64, labels ...label) {
	m := &dto.Metric{Gauge: &dto.Gauge{Value: proto.Float64(v)}}
	for _, l := range labels {
		m.Label = append(m.Label, &dto.LabelPair{Name: proto.String(l.name), Value: proto.String(l.value)})
	}
	mf.Metric = append(mf.Metric, m)
}

// Families returns the metric families of r, in a fixed order with
// series sorted by label values.
func Families(r *audit.Report) []*dto.MetricFamily {
	info := gauge("isoaudit_build_info", "The isoaudit version that wrote the report; always 1.")
	add(info, 1, label{"version", r.Tool.Version}, label{"schema_version", audit.SchemaVersion})

	ts := gauge("isoaudit_report_timestamp_seconds", "When the report was written, in seconds since the Unix epoch.")
	add(ts, float64(r.CreatedAt.UnixNano())/1e9)

	complete := gauge("isoaudit_scan_complete", "1 if every source was read and no asset was lost, else 0.")
	add(complete, boolValue(!r.Incomplete()))

	errs := gauge("isoaudit_scan_errors", "Problems that lost part of the results.")
	add(errs, float64(len(r.Errors)))

	sources := gauge("isoaudit_sources", "Sources by kind and read status.")
	type sk struct{ kind, status string }
	srcCount := map[sk]int{}
	for _, s := range r.Sources {
		srcCount[sk{s.Kind, s.Status}]++
	}
	for _, k := range sortedKeys(srcCount, func(a, b sk) int { return cmp2(a.kind, b.kind, a.status, b.status) }) {
		add(sources, float64(srcCount[k]), label{"kind", k.kind}, label{"status", k.status})
	}

	assets := gauge("isoaudit_assets", "Audited assets by kind and platform.")
	type ak struct{ kind, platform string }
	assetCount := map[ak]int{}
	for _, a := range r.Assets {
		assetCount[ak{string(a.Kind), a.Platform}]++
	}
	for _, k := range sortedKeys(assetCount, func(a, b ak) int { return cmp2(a.kind, b.kind, a.platform, b.platform) }) {
		add(assets, float64(assetCount[k]), label{"kind", k.kind}, label{"platform", k.platform})
	}

	findings := gauge("isoaudit_findings", "Findings by status and severity.")
	type fk struct {
		status audit.Status
		sev    audit.Severity
	}
	findingCount := map[fk]int{}
	checkFailures := map[[2]string]int{}
	for i := range r.Findings.Len() {
		st, sev := r.Findings.Status(i), r.Findings.Severity(i)
		findingCount[fk{st, sev}]++
		if st == audit.StatusFail {
			checkFailures[[2]string{r.Findings.CheckID(i), sev.String()}]++
		}
	}
	for _, st := range audit.Statuses() {
		for _, sev := range audit.Severities() {
			add(findings, float64(findingCount[fk{st, sev}]), label{"severity", sev.String()}, label{"status", string(st)})
		}
	}

	checks := gauge("isoaudit_check_failures", "Assets failing each check.")
	for _, k := range sortedKeys(checkFailures, func(a, b [2]string) int { return cmp2(a[0], b[0], a[1], b[1]) }) {
		add(checks, float64(checkFailures[k]), label{"check_id", k[0]}, label{"severity", k[1]})
	}

	riskMax := gauge("isoaudit_risk_max_ratio", "The highest asset risk, 0-1 (1 = trivially escapable).")
	add(riskMax, r.Summary.MaxRisk/100)
	riskMean := gauge("isoaudit_risk_mean_ratio", "The mean asset risk, 0-1.")
	add(riskMean, r.Summary.MeanRisk/100)

	out := []*dto.MetricFamily{info, ts, complete, errs, sources, assets, findings, checks, riskMax, riskMean}
	if g := r.Summary.Gate; g != nil && g.Result != "not_evaluated" {
		gate := gauge("isoaudit_gate_failed", "1 if the configured gate tripped, 0 if it passed.")
		add(gate, boolValue(g.Result == "fail"))
		out = append(out, gate)
	}
	return slices.DeleteFunc(out, func(mf *dto.MetricFamily) bool { return len(mf.Metric) == 0 })
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func sortedKeys[K comparable](m map[K]int, cmp func(a, b K) int) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, cmp)
	return keys
}

func cmp2(a1, b1, a2, b2 string) int {
	switch {
	case a1 < b1:
		return -1
	case a1 > b1:
		return 1
	case a2 < b2:
		return -1
	case a2 > b2:
		return 1
	}
	return 0
}
