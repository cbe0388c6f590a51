package docker

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// supportedSchemes are the daemon URL schemes New accepts.
var supportedSchemes = []string{"unix", "tcp", "ssh", "npipe", "http", "https"}

// Options configure a Collector. Build them with DefaultOptions and change
// what you need; New validates them.
type Options struct {
	// Host is the daemon URL (unix://, tcp://, ssh://user@host[:port]…).
	// When empty, DOCKER_HOST is used, then the platform default socket.
	Host string
	// All includes created and exited containers; by default only running
	// containers are collected.
	All bool
	// Concurrency bounds the container and image inspects in flight.
	Concurrency int
	// RequestTimeout bounds each API request; 0 means no per-request limit.
	RequestTimeout time.Duration
	// CertPath, when set, is the directory holding ca.pem, cert.pem and
	// key.pem for a tcp:// daemon, instead of DOCKER_CERT_PATH (so one
	// process can reach daemons signed by different CAs). The daemon's
	// certificate is always verified against its ca.pem.
	CertPath string
	// Logger receives debug records; it never receives secret values.
	Logger zerolog.Logger
}

// DefaultOptions returns the options New uses when nothing is changed:
// running containers only, 16 concurrent inspects, 30 s per request.
func DefaultOptions() Options {
	return Options{
		Concurrency:    16,
		RequestTimeout: 30 * time.Second,
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
	if o.Host != "" {
		return validateHost(o.Host)
	}
	return nil
}

// validateHost checks that host is a URL with a supported scheme. The
// error never repeats the URL, which may carry credentials.
func validateHost(host string) error {
	scheme, rest, ok := strings.Cut(host, "://")
	if !ok || rest == "" {
		return errors.New("invalid docker host: want scheme://address (supported schemes: " + strings.Join(supportedSchemes, ", ") + ")")
	}
	if !slices.Contains(supportedSchemes, scheme) {
		return fmt.Errorf("unsupported docker host scheme %q (supported: %s)", scheme, strings.Join(supportedSchemes, ", "))
	}
	return nil
}

// redactEndpoint returns host without any userinfo (user names and
// passwords), so it can be shown in reports and errors.
func redactEndpoint(host string) string {
	if u, err := url.Parse(host); err == nil && u.Scheme != "" {
		if u.User == nil {
			return host
		}
		u.User = nil
		return u.String()
	}
	scheme, rest, ok := strings.Cut(host, "://")
	if !ok {
		return host
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[i+1:]
	}
	return scheme + "://" + rest
}
