package prometheus_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/report/internal/golden"
	"github.com/isoaudit/isoaudit/pkg/report/internal/reporttest"
	"github.com/isoaudit/isoaudit/pkg/report/prometheus"
)

func write(t *testing.T, r *audit.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := prometheus.New().Write(&buf, r); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

// TestWriteParsesAndLints: the output parses with Prometheus' own text
// parser and passes promlint, the linter of the naming guide.
func TestWriteParsesAndLints(t *testing.T) {
	for _, tc := range reporttest.Cases() {
		t.Run(tc.Name, func(t *testing.T) {
			got := write(t, tc.Report())
			parser := expfmt.NewTextParser(model.UTF8Validation)
			families, err := parser.TextToMetricFamilies(bytes.NewReader(got))
			if err != nil {
				t.Fatalf("text parser: %v\n%s", err, got)
			}
			for name := range families {
				if !strings.HasPrefix(name, "isoaudit_") {
					t.Errorf("metric %s lacks the isoaudit_ prefix", name)
				}
			}
			problems, err := promlint.New(bytes.NewReader(got)).Lint()
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				t.Errorf("promlint: %s: %s", p.Metric, p.Text)
			}
			golden.Assert(t, "prometheus-"+tc.Name, got)
		})
	}
}

// TestLintCatchesMistakes proves the lint can fail on a badly named metric.
func TestLintCatchesMistakes(t *testing.T) {
	bad := "# HELP isoaudit_riskPercent x\n# TYPE isoaudit_riskPercent gauge\nisoaudit_riskPercent 97\n"
	problems, err := promlint.New(strings.NewReader(bad)).Lint()
	if err != nil || len(problems) == 0 {
		t.Fatalf("no lint problem for a camelCase metric (%v)", err)
	}
}

func TestValues(t *testing.T) {
	got := string(write(t, reporttest.Representative()))
	for _, want := range []string{
		`isoaudit_findings{severity="critical",status="fail"} 2`,
		`isoaudit_findings{severity="critical",status="waived"} 1`,
		`isoaudit_findings{severity="info",status="error"} 0`,
		`isoaudit_check_failures{check_id="CE-NS-002",severity="high"} 2`,
		`isoaudit_risk_max_ratio 0.975`,
		`isoaudit_scan_complete 0`,
		`isoaudit_sources{kind="libvirt",status="error"} 1`,
		`isoaudit_assets{kind="container",platform="docker"} 3`,
		`isoaudit_gate_failed 1`,
		`isoaudit_report_timestamp_seconds 1.782907203e+09`,
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("output lacks %s", want)
		}
	}
}
