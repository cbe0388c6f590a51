// Package oneline makes multi-line error messages (YAML's "unmarshal
// errors:" list, for one) fit the tool's rule: every error is one line.
package oneline

import (
	"strings"
)

// Error returns err with its lines joined by "; " (nil stays nil); it
// wraps err, so errors.Is and errors.As still see the original.
func Error(err error) error {
	if err == nil || !strings.ContainsAny(err.Error(), "\r\n") {
		return err
	}
	return &joined{msg: String(err.Error()), err: err}
}

// String joins the non-blank lines of s with "; ", trimming each and
// dropping a trailing colon of a heading line ("yaml: unmarshal errors:").
func String(s string) string {
	var parts []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	for i := 0; i < len(parts)-1; i++ {
		parts[i] = strings.TrimSuffix(parts[i], ":")
	}
	return strings.Join(parts, "; ")
}

type joined struct {
	msg string
	err error
}

func (j *joined) Error() string { return j.msg }
func (j *joined) Unwrap() error { return j.err }

var _ interface{ Unwrap() error } = (*joined)(nil)
