package vbox

import (
	"errors"
	"fmt"

	"github.com/rs/zerolog"
)

// DefaultMaxBytes caps the size of each file read (16 MiB): .vbox files
// are a few KiB, and a few hundred KiB with many snapshots.
const DefaultMaxBytes = 16 << 20

// Options configure a Collector.
type Options struct {
	// Path is a .vbox file, or a directory walked recursively for *.vbox
	// files (symbolic links to files are followed, to directories not).
	Path string
	// Host names the host the files come from, for asset ids
	// ("virtualbox://<Host>/<machine>"); "" uses the base name of Path.
	Host string
	// MaxBytes caps each file's size; a larger file is an error naming
	// it. 0 means DefaultMaxBytes.
	MaxBytes int64
	// Logger receives debug records; it never receives secret values. The
	// zero Logger is silent.
	Logger zerolog.Logger
}

// DefaultOptions returns options with the 16 MiB cap and a silent logger;
// set Path before use. A zero Options with a path behaves the same.
func DefaultOptions() Options {
	return Options{MaxBytes: DefaultMaxBytes, Logger: zerolog.Nop()}
}

// Validate reports the first invalid setting.
func (o Options) Validate() error {
	if o.Path == "" {
		return errors.New("no VirtualBox .vbox file or directory given")
	}
	if o.MaxBytes < 0 {
		return fmt.Errorf("invalid size limit %d: must not be negative", o.MaxBytes)
	}
	return nil
}

// maxBytes returns the effective per-file cap.
func (o Options) maxBytes() int64 {
	if o.MaxBytes == 0 {
		return DefaultMaxBytes
	}
	return o.MaxBytes
}
