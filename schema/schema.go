// Package schema embeds the JSON Schemas of isoaudit's output contracts, so
// any package (and any test) can validate real output against the published file.
package schema

import _ "embed"

// ReportV1ID is the $id of ReportV1; compile the schema under this URL.
const ReportV1ID = "https://raw.githubusercontent.com/isoaudit/isoaudit/main/schema/report-1.0.schema.json"

// ReportV1 is the JSON Schema (draft 2020-12) of the native JSON report,
// schema_version 1.x, exactly as published in schema/report-1.0.schema.json.
// Treat it as read-only.
//
//go:embed report-1.0.schema.json
var ReportV1 []byte
