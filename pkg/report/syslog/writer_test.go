package syslog_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/leodido/go-syslog/v4/rfc5424"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/report/internal/golden"
	"github.com/isoaudit/isoaudit/pkg/report/internal/reporttest"
	"github.com/isoaudit/isoaudit/pkg/report/syslog"
)

func write(t *testing.T, r *audit.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := syslog.New().Write(&buf, r); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func TestWriteMatchesGolden(t *testing.T) {
	for _, tc := range reporttest.Cases() {
		t.Run(tc.Name, func(t *testing.T) {
			got := write(t, tc.Report())
			golden.Assert(t, "syslog-"+tc.Name, got)
		})
	}
}

// TestMessagesParseAsRFC5424 parses every line with a strict RFC 5424
// parser (leodido/go-syslog, not best-effort) and checks the fields.
func TestMessagesParseAsRFC5424(t *testing.T) {
	r := reporttest.Representative()
	// Characters that RFC 5424 makes us escape in structured data.
	r.Assets[1].Name = `web-1 "blue]\green"`
	r.Findings.Update(0, func(f *audit.Finding) { f.Message = "line one\nline two" })
	lines := strings.Split(strings.TrimSuffix(string(write(t, r)), "\n"), "\n")
	if len(lines) != r.Findings.Len() {
		t.Fatalf("%d lines for %d findings", len(lines), r.Findings.Len())
	}
	p := rfc5424.NewParser()
	for i, line := range lines {
		m, err := p.Parse([]byte(line))
		if err != nil {
			t.Fatalf("line %d does not parse: %v\n%s", i+1, err, line)
		}
		msg := m.(*rfc5424.SyslogMessage)
		f := r.Findings.At(i)
		sd := (*msg.StructuredData)[syslog.SDID]
		if sd["finding_id"] != f.ID || sd["check_id"] != f.CheckID || sd["status"] != string(f.Status) {
			t.Errorf("line %d structured data = %v", i+1, sd)
		}
		if *msg.Facility != syslog.Facility || int(*msg.Severity) != syslog.Severity(&f) {
			t.Errorf("line %d facility/severity = %d/%d", i+1, *msg.Facility, *msg.Severity)
		}
		if !msg.Timestamp.Equal(r.CreatedAt) || *msg.Appname != "isoaudit" || *msg.MsgID != "FINDING" {
			t.Errorf("line %d header = %v %s %s", i+1, msg.Timestamp, *msg.Appname, *msg.MsgID)
		}
		if f.AssetID == r.Assets[1].ID && sd["asset"] != r.Assets[1].Name {
			t.Errorf("line %d asset = %q, want the escaped name back", i+1, sd["asset"])
		}
	}
}

func TestSeverity(t *testing.T) {
	tests := []struct {
		status audit.Status
		sev    audit.Severity
		want   int
	}{
		{audit.StatusFail, audit.SeverityCritical, 2},
		{audit.StatusFail, audit.SeverityHigh, 3},
		{audit.StatusFail, audit.SeverityMedium, 4},
		{audit.StatusFail, audit.SeverityLow, 5},
		{audit.StatusFail, audit.SeverityInfo, 6},
		{audit.StatusError, audit.SeverityCritical, 4},
		{audit.StatusWaived, audit.SeverityCritical, 5},
		{audit.StatusUnknown, audit.SeverityHigh, 5},
		{audit.StatusPass, audit.SeverityCritical, 6},
	}
	for _, tc := range tests {
		if got := syslog.Severity(&audit.Finding{Status: tc.status, Severity: tc.sev}); got != tc.want {
			t.Errorf("Severity(%s %s) = %d, want %d", tc.status, tc.sev, got, tc.want)
		}
	}
}
