// Package cli is isoaudit's command line: cobra commands that parse flags,
// call one pkg function each and write to the command's output. Outcomes
// come back as *ExitError; only main turns them into a process exit code.
package cli
