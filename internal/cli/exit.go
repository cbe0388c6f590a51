package cli

import (
	"errors"
	"fmt"
)

// Exit codes (DESIGN.md): pipelines depend on them, and the output format
// never changes them. When several apply, the first in the order
// 2 > 1 > 4 > 3 wins: a usage error stops everything; a tripped gate is
// reported even when delivery also failed; a failed delivery outranks an
// incomplete scan because the local report exists but the SIEM lacks it.
const (
	ExitOK         = 0 // ran, and the gate passed (or none was set)
	ExitGate       = 1 // the gate tripped
	ExitUsage      = 2 // usage or input error
	ExitIncomplete = 3 // a source could not be read and no gate tripped
	ExitDelivery   = 4 // --send: a receiver did not get the report after every retry (the local report was written)
)

// ExitError carries the exit code an outcome maps to. Err may be nil when
// the outcome needs no message (the gate tripped: the report says why).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

func usageErr(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

func inputErr(err error) error { return &ExitError{Code: ExitUsage, Err: err} }

// Code maps any error from a command to its exit code: an *ExitError
// keeps its code; any other error (cobra's flag parsing) is a usage error.
func Code(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return ExitUsage
}
