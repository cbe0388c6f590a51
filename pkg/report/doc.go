// Package report turns an audit.Report into output: one Writer per format
// (pkg/report/json, pkg/report/table) behind an explicit Registry.
package report
