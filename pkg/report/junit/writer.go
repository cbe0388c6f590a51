// Package junit writes a report as JUnit XML so CI systems (GitLab, Jenkins,
// GitHub test reporters) show isoaudit's results as tests: one test suite
// per asset, one test case per check on that asset.
package junit

import (
	"bufio"
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
//
// The document is streamed: counts come first from the findings' status
// alone, then each test case is rendered as it is written, so a fleet's
// findings are never all rebuilt at once.
func (*Writer) Write(w io.Writer, r *audit.Report) error {
	if r == nil {
		return errors.New("encode junit report: nil report")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(xml.Header)
	enc := xml.NewEncoder(bw)
	enc.Indent("", "  ")
	if err := write(enc, r); err != nil {
		return fmt.Errorf("encode junit report: %w", err)
	}
	bw.WriteByte('\n')
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write junit report: %w", err)
	}
	return nil
}

// suite is one test suite while the document is written: its asset, its
// counts and the indexes of its findings.
type suite struct {
	asset                            *audit.AssetResult
	tests, failures, errors, skipped int
	findings                         []int32
}

// plan groups the findings into suites and counts them, reading only each
// finding's asset and status.
func plan(r *audit.Report) []*suite {
	assets := view.Index(r)
	var suites []*suite
	order := map[string]*suite{}
	suiteOf := func(a *audit.AssetResult) *suite {
		if s, ok := order[a.ID]; ok {
			return s
		}
		s := &suite{asset: a}
		order[a.ID] = s
		suites = append(suites, s)
		return s
	}
	for i := range r.Assets {
		suiteOf(&r.Assets[i])
	}
	for i := range r.Findings.Len() {
		s := suiteOf(assets.OfID(r.Findings.AssetID(i)))
		s.tests++
		switch r.Findings.Status(i) {
		case audit.StatusFail:
			s.failures++
		case audit.StatusError:
			s.errors++
		case audit.StatusWaived, audit.StatusUnknown:
			s.skipped++
		}
		s.findings = append(s.findings, int32(i))
	}
	return suites
}

func write(enc *xml.Encoder, r *audit.Report) error {
	suites := plan(r)
	var total suite
	for _, s := range suites {
		total.tests += s.tests
		total.failures += s.failures
		total.errors += s.errors
		total.skipped += s.skipped
	}
	root := element("testsuites", "name", "isoaudit", "tests", strconv.Itoa(total.tests), "failures", strconv.Itoa(total.failures),
		"errors", strconv.Itoa(total.errors), "skipped", strconv.Itoa(total.skipped), "time", "0")
	if err := enc.EncodeToken(root); err != nil {
		return err
	}
	timestamp := r.CreatedAt.UTC().Format("2006-01-02T15:04:05")
	for id, s := range suites {
		a := s.asset
		start := element("testsuite", "name", suiteName(a), "id", strconv.Itoa(id), "package", a.Platform,
			"hostname", hostname(a), "tests", strconv.Itoa(s.tests), "failures", strconv.Itoa(s.failures),
			"errors", strconv.Itoa(s.errors), "skipped", strconv.Itoa(s.skipped), "time", "0", "timestamp", timestamp)
		props := element("properties")
		if err := enc.EncodeToken(start); err != nil {
			return err
		}
		if err := enc.EncodeToken(props); err != nil {
			return err
		}
		for _, p := range properties(a) {
			if err := enc.EncodeElement(p, element("property")); err != nil {
				return err
			}
		}
		if err := enc.EncodeToken(props.End()); err != nil {
			return err
		}
		for _, i := range s.findings {
			f := r.Findings.At(int(i))
			if err := enc.EncodeElement(newCase(&f, a), element("testcase")); err != nil {
				return err
			}
		}
		if err := enc.EncodeToken(start.End()); err != nil {
			return err
		}
	}
	if err := enc.EncodeToken(root.End()); err != nil {
		return err
	}
	return enc.Flush()
}

// element is a start element with the attributes given as name, value
// pairs, in order.
func element(name string, attrs ...string) xml.StartElement {
	el := xml.StartElement{Name: xml.Name{Local: name}}
	for i := 0; i+1 < len(attrs); i += 2 {
		el.Attr = append(el.Attr, xml.Attr{Name: xml.Name{Local: attrs[i]}, Value: attrs[i+1]})
	}
	return el
}

// newCase renders finding f of asset a as a test case.
func newCase(f *audit.Finding, a *audit.AssetResult) testcase {
	tc := testcase{
		Name:      "[" + strings.ToUpper(f.Severity.String()) + "] " + f.CheckID + " " + f.Title,
		Classname: a.Platform + "/" + a.Name,
		Time:      "0",
	}
	switch f.Status {
	case audit.StatusFail:
		tc.Failure = &outcome{Message: view.Summary(f, a), Type: f.CheckID, Body: details(f)}
	case audit.StatusError:
		tc.Error = &outcome{Message: f.Message, Type: f.CheckID, Body: details(f)}
	case audit.StatusWaived, audit.StatusUnknown:
		tc.Skipped = &skipped{Message: string(f.Status) + ": " + f.Message}
	}
	return tc
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
