// Package schematest validates output against isoaudit's embedded JSON
// Schemas; it is for tests only and is never linked into the isoaudit binary.
package schematest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
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

// ThirdParty names a published schema stored under testdata/schemas (see
// testdata/schemas/SOURCES.md for where each copy came from).
type ThirdParty struct {
	File string // file name under testdata/schemas
	ID   string // the $id / id the file declares
}

// SARIF is the OASIS SARIF 2.1.0 schema (errata01, draft-04).
var SARIF = ThirdParty{File: "sarif-schema-2.1.0.json", ID: "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"}

var thirdParty sync.Map // ThirdParty -> func() (*jsonschema.Schema, error)

// Compile compiles a stored third-party schema once per test binary, with
// formats asserted. It is safe for concurrent use.
func (tp ThirdParty) Compile() (*jsonschema.Schema, error) {
	f, _ := thirdParty.LoadOrStore(tp, sync.OnceValues(func() (*jsonschema.Schema, error) {
		root, err := moduleRoot()
		if err != nil {
			return nil, err
		}
		data, err := os.ReadFile(filepath.Join(root, "testdata", "schemas", tp.File))
		if err != nil {
			return nil, fmt.Errorf("read schema: %w", err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("parse schema %s: %w", tp.File, err)
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource(tp.ID, doc); err != nil {
			return nil, fmt.Errorf("add schema %s: %w", tp.File, err)
		}
		return c.Compile(tp.ID)
	}))
	return f.(func() (*jsonschema.Schema, error))()
}

// Validate validates one JSON document against the schema.
func (tp ThirdParty) Validate(data []byte) error {
	sch, err := tp.Compile()
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("parse document: %w", err)
	}
	return sch.Validate(inst)
}

// Require fails t unless data validates against the schema.
func (tp ThirdParty) Require(t testing.TB, data []byte) {
	t.Helper()
	if err := tp.Validate(data); err != nil {
		t.Fatalf("output does not match testdata/schemas/%s:\n%v", tp.File, err)
	}
}

// moduleRoot is the directory holding go.mod, above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("find module root: no go.mod above %s", dir)
		}
		dir = parent
	}
}
