package libvirt

import (
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Defaults used by DefaultOptions and for empty URI/Socket.
const (
	DefaultURI    = "qemu:///system"
	DefaultSocket = "/var/run/libvirt/libvirt-sock-ro"
)

// Options configure a Collector. Build them with DefaultOptions and change
// what you need; New validates them.
type Options struct {
	// URI is the libvirt driver URI opened over Socket; "" means
	// qemu:///system. Only local URIs (no transport, no host) are valid:
	// the connection always goes through the local Socket.
	URI string
	// Socket is libvirtd's UNIX socket; "" means the read-only socket
	// (least privilege). The read-write socket works too, but the XML is
	// still read without secrets.
	Socket string
	// Concurrency bounds the per-domain reads (XML and state) in flight.
	Concurrency int
	// RequestTimeout bounds the connection and each RPC; 0 means no
	// per-request limit. A request that times out ends the connection.
	RequestTimeout time.Duration
	// QEMUConfPath is the host's qemu.conf, read once by New; "" when not
	// given (host defaults that decide a VM setting are then unknown).
	QEMUConfPath string
	// PackageRoot is the root filesystem whose os-release and dpkg
	// database describe libvirtd's host ("/": the socket is local), so
	// QEMU and libvirt advisories see the distribution's backported
	// fixes; "" skips reading them.
	PackageRoot string
	// TLSCA, TLSCert and TLSKey are the CA and client certificate of a
	// qemu+tls URI; "" means libvirt's default client PKI paths. The
	// server certificate is always verified.
	TLSCA, TLSCert, TLSKey string
	// Logger receives debug records; it never receives secret values.
	Logger zerolog.Logger
}

// DefaultQEMUConf is where libvirt's QEMU driver reads its configuration.
const DefaultQEMUConf = "/etc/libvirt/qemu.conf"

// DefaultOptions returns the options New uses when nothing is changed:
// qemu:///system over the read-only socket, 8 concurrent domain reads,
// 30 s per request, no qemu.conf.
func DefaultOptions() Options {
	return Options{
		URI:            DefaultURI,
		Socket:         DefaultSocket,
		Concurrency:    8,
		RequestTimeout: 30 * time.Second,
		PackageRoot:    "/",
		Logger:         zerolog.Nop(),
	}
}

// Validate reports the first invalid setting.
func (o Options) Validate() error {
	if o.Concurrency < 1 {
		return fmt.Errorf("invalid concurrency %d: must be at least 1", o.Concurrency)
	}
	if o.RequestTimeout < 0 {
		return fmt.Errorf("invalid request timeout %s: must not be negative", o.RequestTimeout)
	}
	if _, err := parseTarget(o.uri(), o.socket(), o); err != nil {
		return err
	}
	if o.Socket != "" && !strings.HasPrefix(o.Socket, "/") {
		return fmt.Errorf("invalid libvirt socket %q: want an absolute path", o.Socket)
	}
	return nil
}

func (o Options) uri() string {
	if o.URI == "" {
		return DefaultURI
	}
	return o.URI
}

func (o Options) socket() string {
	if o.Socket == "" {
		return DefaultSocket
	}
	return o.Socket
}
