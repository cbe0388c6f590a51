// Package report turns an audit.Report into output: one Writer per format
// (pkg/report/json, table, sarif, ocsf, junit, cef, syslog, prometheus)
// behind an explicit Registry.
package report
