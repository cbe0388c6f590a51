package libvirtxml

import (
	"errors"
	"fmt"

	"github.com/rs/zerolog"
)

// DefaultMaxBytes caps the size of each file read (16 MiB): domain XML
// and qemu.conf files are a few KiB.
const DefaultMaxBytes = 16 << 20

// Options configure a Collector.
type Options struct {
	// Path is a domain XML file, or a directory walked recursively for
	// *.xml files (symbolic links to files are followed, to directories
	// not). It may be empty when QEMUConfPath is set.
	Path string
	// QEMUConfPath is the host's qemu.conf; "" when not given (host
	// defaults that decide a VM setting are then unknown).
	QEMUConfPath string
	// Host names the host the files come from, for asset ids
	// ("libvirt://<Host>/<domain>"); "" uses the base name of Path.
	Host string
	// SecureXML declares that the files were dumped with secrets (virsh
	// dumpxml --security-info), so a console without a passwd attribute
	// has no password. Without it a missing passwd is unknown, except in
	// files libvirt saved itself (/etc/libvirt/qemu, /run/libvirt/qemu),
	// which are recognized by their header and always hold secrets.
	SecureXML bool
	// MaxBytes caps each file's size; a larger file is an error naming
	// it. 0 means DefaultMaxBytes.
	MaxBytes int64
	// Logger receives debug records; it never receives secret values. The
	// zero Logger is silent.
	Logger zerolog.Logger
}

// DefaultOptions returns options with the 16 MiB cap and a silent logger;
// set Path and/or QEMUConfPath before use. A zero Options with a path
// behaves the same.
func DefaultOptions() Options {
	return Options{MaxBytes: DefaultMaxBytes, Logger: zerolog.Nop()}
}

// Validate reports the first invalid setting.
func (o Options) Validate() error {
	if o.Path == "" && o.QEMUConfPath == "" {
		return errors.New("no libvirt domain XML or qemu.conf given")
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
