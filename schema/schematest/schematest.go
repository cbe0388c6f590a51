// Package schematest validates output against isoaudit's embedded JSON
// Schemas; it is for tests only and is never linked into the isoaudit binary.
package schematest

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/isoaudit/isoaudit/schema"
)

// compileReportV1 compiles schema.ReportV1 once per test binary.
var compileReportV1 = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema.ReportV1))
	if err != nil {
		return nil, fmt.Errorf("parse report schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat() // created_at must really be a date-time
	if err := c.AddResource(schema.ReportV1ID, doc); err != nil {
		return nil, fmt.Errorf("add report schema: %w", err)
	}
	sch, err := c.Compile(schema.ReportV1ID)
	if err != nil {
		return nil, fmt.Errorf("compile report schema: %w", err)
	}
	return sch, nil
})

// ReportV1 returns the compiled report schema (formats asserted). It is
// safe for concurrent use.
func ReportV1() (*jsonschema.Schema, error) { return compileReportV1() }

// ValidateReport validates one JSON report document against the report
// schema. The error, when not nil, names each failing instance location
// (e.g. "/findings/0/status").
func ValidateReport(data []byte) error {
	sch, err := ReportV1()
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("parse report: %w", err)
	}
	return sch.Validate(inst)
}

// RequireValidReport fails t unless data is a schema-valid JSON report.
func RequireValidReport(t testing.TB, data []byte) {
	t.Helper()
	if err := ValidateReport(data); err != nil {
		t.Fatalf("report does not match schema/report-1.0.schema.json:\n%v", err)
	}
}
