// Package junit writes a report as JUnit XML so CI systems (GitLab, Jenkins,
// GitHub test reporters) show isoaudit's results as tests: one test suite
// per asset, one test case per check on that asset.
package junit

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/report/internal/view"
)

// Writer writes JUnit XML. It is stateless and safe for concurrent use.
type Writer struct{}

// New returns a JUnit writer.
func New() *Writer { return &Writer{} }

// Format returns "junit".
func (*Writer) Format() string { return "junit" }

type testsuites struct {
	XMLName  xml.Name    `xml:"testsuites"`
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Suites   []testsuite `xml:"testsuite"`
}

type testsuite struct {
	Name       string     `xml:"name,attr"`
	ID         int        `xml:"id,attr"`
	Package    string     `xml:"package,attr"`
	Hostname   string     `xml:"hostname,attr"`
	Tests      int        `xml:"tests,attr"`
	Failures   int        `xml:"failures,attr"`
	Errors     int        `xml:"errors,attr"`
	Skipped    int        `xml:"skipped,attr"`
	Time       string     `xml:"time,attr"`
	Timestamp  string     `xml:"timestamp,attr"`
	Properties []property `xml:"properties>property"`
	Cases      []testcase `xml:"testcase"`
}

type property struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type testcase struct {
	Name      string   `xml:"name,attr"`
	Classname string   `xml:"classname,attr"`
	Time      string   `xml:"time,attr"`
	Failure   *outcome `xml:"failure,omitempty"`
	Error     *outcome `xml:"error,omitempty"`
	Skipped   *skipped `xml:"skipped,omitempty"`
}

type outcome struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

type skipped struct {
	Message string `xml:"message,attr"`
}

// Write renders r: suites in asset order (findings whose asset is not in
// the report get a suite of their own after them), test cases in finding
// order. A failed finding is a <failure>, an error an <error>, waived and
// unknown findings are <skipped>, a pass an empty test case. Durations are
// 0: isoaudit does not time checks one by one.
func (*Writer) Write(w io.Writer, r *audit.Report) error {
	if r == nil {
		return errors.New("encode junit report: nil report")
	}
	doc := build(r)
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode junit report: %w", err)
	}
	buf.WriteByte('\n')
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write junit report: %w", err)
	}
	return nil
}

func build(r *audit.Report) *testsuites {
	doc := &testsuites{Name: "isoaudit", Time: "0", Suites: []testsuite{}}
	timestamp := r.CreatedAt.UTC().Format("2006-01-02T15:04:05")
	order := map[string]int{} // asset id -> suite index
	suiteOf := func(a *audit.AssetResult) *testsuite {
		if i, ok := order[a.ID]; ok {
			return &doc.Suites[i]
		}
		order[a.ID] = len(doc.Suites)
		doc.Suites = append(doc.Suites, testsuite{
			Name: suiteName(a), ID: len(doc.Suites), Package: a.Platform, Hostname: hostname(a),
			Time: "0", Timestamp: timestamp, Properties: properties(a),
		})
		return &doc.Suites[len(doc.Suites)-1]
	}
	for i := range r.Assets {
		suiteOf(&r.Assets[i])
	}
	assets := view.Index(r)
	for _, f := range r.Findings.All() {
		f := &f
		a := assets.Of(f)
		s := suiteOf(a)
		tc := testcase{
			Name:      "[" + strings.ToUpper(f.Severity.String()) + "] " + f.CheckID + " " + f.Title,
			Classname: a.Platform + "/" + a.Name,
			Time:      "0",
		}
		s.Tests++
		switch f.Status {
		case audit.StatusFail:
			s.Failures++
			tc.Failure = &outcome{Message: view.Summary(f, a), Type: f.CheckID, Body: details(f)}
		case audit.StatusError:
			s.Errors++
			tc.Error = &outcome{Message: f.Message, Type: f.CheckID, Body: details(f)}
		case audit.StatusWaived, audit.StatusUnknown:
			s.Skipped++
			tc.Skipped = &skipped{Message: string(f.Status) + ": " + f.Message}
		}
		s.Cases = append(s.Cases, tc)
	}
	for _, s := range doc.Suites {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
	}
	return doc
}

func suiteName(a *audit.AssetResult) string {
	return a.Platform + "/" + hostname(a) + "/" + a.Name
}

func hostname(a *audit.AssetResult) string {
	if a.Host == "" {
		return "unknown-host"
	}
	return a.Host
}

func properties(a *audit.AssetResult) []property {
	props := []property{
		{"isoaudit.asset_id", a.ID},
		{"isoaudit.kind", string(a.Kind)},
		{"isoaudit.source", a.Source},
		{"isoaudit.risk", strconv.FormatFloat(a.Risk, 'f', -1, 64)},
		{"isoaudit.grade", a.Grade},
	}
	for _, l := range view.Labels(a.Labels) {
		props = append(props, property{"isoaudit.label", l})
	}
	return props
}

// details is the body of a failure or error: evidence, remediation,
// references and the finding id, one per line.
func details(f *audit.Finding) string {
	var b strings.Builder
	for _, e := range f.Evidence {
		b.WriteString("evidence: " + view.EvidenceText(e) + "\n")
	}
	if len(f.Chain) > 0 {
		b.WriteString("chain: " + strings.Join(f.Chain, ", ") + "\n")
	}
	if f.Remediation != "" {
		b.WriteString("remediation: " + f.Remediation + "\n")
	}
	if len(f.References) > 0 {
		b.WriteString("references: " + strings.Join(f.References, ", ") + "\n")
	}
	b.WriteString("finding_id: " + f.ID)
	return b.String()
}
