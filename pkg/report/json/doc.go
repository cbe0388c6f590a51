// Package json writes the native JSON report, the versioned contract that SIEM
// parsers and CI scripts read, documented by schema/report-1.0.schema.json.
package json
