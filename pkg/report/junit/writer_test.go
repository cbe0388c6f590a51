package junit_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/report/internal/golden"
	"github.com/isoaudit/isoaudit/pkg/report/internal/reporttest"
	"github.com/isoaudit/isoaudit/pkg/report/junit"
)

func write(t *testing.T, r *audit.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := junit.New().Write(&buf, r); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func TestWriteMatchesGolden(t *testing.T) {
	for _, tc := range reporttest.Cases() {
		t.Run(tc.Name, func(t *testing.T) {
			got := write(t, tc.Report())
			if problems := conformance(got); len(problems) > 0 {
				t.Errorf("not JUnit XML as Jenkins/Ant define it:\n%s", strings.Join(problems, "\n"))
			}
			golden.Assert(t, "junit-"+tc.Name, got)
		})
	}
}

// allowed is the element tree and the required attributes of the
// Jenkins/Ant JUnit format (jenkinsci xunit-plugin junit-10.xsd), the
// format GitLab and the CI test reporters read.
var allowed = map[string]struct {
	children []string
	required []string
}{
	"":           {children: []string{"testsuites"}},
	"testsuites": {children: []string{"testsuite"}},
	"testsuite":  {children: []string{"properties", "testcase", "system-out", "system-err"}, required: []string{"name", "tests"}},
	"properties": {children: []string{"property"}},
	"property":   {required: []string{"name", "value"}},
	"testcase":   {children: []string{"skipped", "error", "failure", "system-out", "system-err"}, required: []string{"name", "classname"}},
	"failure":    {},
	"error":      {},
	"skipped":    {},
}

var counted = []string{"tests", "failures", "errors", "skipped"}

// conformance walks the document: only the format's elements in their
// places, required attributes present, counts as integers that add up
// (suite counts match their test cases, the root matches the suites).
func conformance(doc []byte) []string {
	var problems []string
	dec := xml.NewDecoder(bytes.NewReader(doc))
	stack := []string{""}
	counts := map[string]map[string]int{} // element -> counted attr -> sum of children
	var suiteAttrs, rootAttrs map[string]int
	caseKinds := map[string]int{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return append(problems, "not well-formed XML: "+err.Error())
		}
		switch el := tok.(type) {
		case xml.StartElement:
			parent := stack[len(stack)-1]
			name := el.Name.Local
			ok := false
			for _, c := range allowed[parent].children {
				ok = ok || c == name
			}
			if !ok {
				problems = append(problems, "<"+name+"> not allowed in <"+parent+">")
			}
			attrs := map[string]string{}
			for _, a := range el.Attr {
				attrs[a.Name.Local] = a.Value
			}
			for _, req := range allowed[name].required {
				if _, ok := attrs[req]; !ok {
					problems = append(problems, "<"+name+"> lacks "+req)
				}
			}
			switch name {
			case "testsuites", "testsuite":
				m := map[string]int{}
				for _, c := range counted {
					n, err := strconv.Atoi(attrs[c])
					if err != nil {
						problems = append(problems, "<"+name+" "+c+"="+strconv.Quote(attrs[c])+"> not an integer")
					}
					m[c] = n
				}
				if name == "testsuites" {
					rootAttrs = m
					counts["root"] = map[string]int{}
				} else {
					suiteAttrs = m
					caseKinds = map[string]int{}
				}
			case "testcase":
				caseKinds["tests"]++
			case "failure":
				caseKinds["failures"]++
			case "error":
				caseKinds["errors"]++
			case "skipped":
				caseKinds["skipped"]++
			}
			stack = append(stack, name)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			if el.Name.Local == "testsuite" {
				for _, c := range counted {
					if suiteAttrs[c] != caseKinds[c] {
						problems = append(problems, "testsuite "+c+"="+strconv.Itoa(suiteAttrs[c])+" but "+strconv.Itoa(caseKinds[c])+" found")
					}
					counts["root"][c] += caseKinds[c]
				}
			}
			if el.Name.Local == "testsuites" {
				for _, c := range counted {
					if rootAttrs[c] != counts["root"][c] {
						problems = append(problems, "testsuites "+c+" does not add up")
					}
				}
			}
		}
	}
	return problems
}

// TestConformanceCatchesMistakes proves the check can fail.
func TestConformanceCatchesMistakes(t *testing.T) {
	got := string(write(t, reporttest.Representative()))
	for name, bad := range map[string]string{
		"wrong count":     strings.Replace(got, `tests="22"`, `tests="21"`, 1),
		"unknown element": strings.Replace(got, "<skipped ", "<ignored ", 1),
		"missing name":    strings.Replace(got, `<testcase name=`, `<testcase nom=`, 1),
	} {
		if len(conformance([]byte(bad))) == 0 {
			t.Errorf("%s: not caught", name)
		}
	}
}

// TestStatusesMapToJUnit: fail -> failure, error -> error, waived and
// unknown -> skipped, pass -> an empty test case; one case per finding.
func TestStatusesMapToJUnit(t *testing.T) {
	r := reporttest.Representative()
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Skipped  int `xml:"skipped,attr"`
	}
	got := write(t, r)
	if err := xml.Unmarshal(got, &doc); err != nil {
		t.Fatal(err)
	}
	want := map[audit.Status]int{}
	for _, f := range r.Findings.All() {
		want[f.Status]++
	}
	if doc.Tests != r.Findings.Len() || doc.Failures != want[audit.StatusFail] || doc.Errors != want[audit.StatusError] ||
		doc.Skipped != want[audit.StatusWaived]+want[audit.StatusUnknown] {
		t.Errorf("counts %+v for statuses %v", doc, want)
	}
	if !strings.Contains(string(got), `<skipped message="waived: WVR-2026-014`) {
		t.Error("waived finding is not skipped with its waiver")
	}
}
