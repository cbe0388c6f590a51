// Package audit is isoaudit's vocabulary: assets and their normalized
// documents, checks, findings, statuses, severities and the report.
//
// It depends on the standard library only, so every other package can share
// it without pulling in a platform SDK.
package audit
