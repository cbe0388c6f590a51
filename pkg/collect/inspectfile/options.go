package inspectfile

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/rs/zerolog"
)

// StdinPath is the Path that reads standard input.
const StdinPath = "-"

// DefaultMaxBytes caps the input size (256 MiB).
const DefaultMaxBytes = 256 << 20

// Options configure a Collector.
type Options struct {
	// Path is the file to read, or "-" for Stdin.
	Path string
	// Stdin is read when Path is "-"; nil means os.Stdin.
	Stdin io.Reader
	// MaxBytes caps the input size; larger input is an error. 0 means
	// DefaultMaxBytes.
	MaxBytes int64
	// Logger receives debug records; it never receives secret values. The
	// zero Logger is silent.
	Logger zerolog.Logger
}

// DefaultOptions returns options with the 256 MiB cap, os.Stdin and a
// silent logger; set Path before use. A zero Options with a Path behaves
// the same.
func DefaultOptions() Options {
	return Options{MaxBytes: DefaultMaxBytes, Logger: zerolog.Nop()}
}

// Validate reports the first invalid setting.
func (o Options) Validate() error {
	if o.Path == "" {
		return errors.New("no inspect file given (use a path, or - for stdin)")
	}
	if o.MaxBytes < 0 {
		return fmt.Errorf("invalid size limit %d: must not be negative", o.MaxBytes)
	}
	return nil
}

// stdin returns the reader used for Path "-".
func (o Options) stdin() io.Reader {
	if o.Stdin != nil {
		return o.Stdin
	}
	return os.Stdin
}

// maxBytes returns the effective input cap.
func (o Options) maxBytes() int64 {
	if o.MaxBytes == 0 {
		return DefaultMaxBytes
	}
	return o.MaxBytes
}
