// Package policy holds what a team decides rather than what a scan sees:
// the profile (severity weights) and the gate that turns a report into a
// pass or a failure for pipelines.
package policy
