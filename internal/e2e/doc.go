// Package e2e holds end-to-end tests: real containers on the real Docker
// daemon, audited through the same collector, catalog, engine and score
// the CLI uses. It has no non-test code.
package e2e
