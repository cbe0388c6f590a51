// Package ship delivers a report to remote receivers: syslog over TCP
// (RFC 6587 octet counting), TLS or UDP, a Splunk HTTP Event Collector, or
// a plain HTTPS webhook; with bounded retries and exponential backoff.
package ship

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Schemes lists the URL schemes Parse accepts.
var Schemes = []string{"syslog+tcp", "syslog+tls", "syslog+udp", "splunk+https", "https", "http"}

// Options configure delivery. The zero value is not valid; start from
// DefaultOptions.
type Options struct {
	// Token authenticates to HTTP receivers (Splunk HEC token, webhook
	// bearer token). It is never logged.
	Token string
	// RootCAs, when not nil, replaces the system roots for TLS receivers.
	RootCAs *x509.CertPool
	// Attempts is the number of tries per receiver (>= 1).
	Attempts int
	// Backoff is the wait before the second try; it doubles per try, up to
	// MaxBackoff.
	Backoff, MaxBackoff time.Duration
	// Timeout bounds one try (connect and send).
	Timeout time.Duration
	Logger  zerolog.Logger
}

// DefaultOptions: 4 tries with 1 s, 2 s, 4 s between them, 10 s per try.
func DefaultOptions() Options {
	return Options{Attempts: 4, Backoff: time.Second, MaxBackoff: 30 * time.Second, Timeout: 10 * time.Second, Logger: zerolog.Nop()}
}

// Target is one parsed --send URL.
type Target struct {
	URL    *url.URL
	scheme string
}

// String is the URL with any password redacted.
func (t Target) String() string { return t.URL.Redacted() }

// Parse validates a --send URL. An unknown scheme, a missing host or port,
// or a token-bearing URL (user:password@) is an error.
func Parse(raw string) (Target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Target{}, fmt.Errorf("invalid --send URL: %w", err)
	}
	scheme := strings.ToLower(u.Scheme)
	known := false
	for _, s := range Schemes {
		known = known || s == scheme
	}
	if !known {
		return Target{}, fmt.Errorf("invalid --send URL %s: unknown scheme %q (supported: %s)", u.Redacted(), u.Scheme, strings.Join(Schemes, ", "))
	}
	if u.Hostname() == "" {
		return Target{}, fmt.Errorf("invalid --send URL %s: no host", u.Redacted())
	}
	if _, pw := u.User.Password(); pw {
		return Target{}, fmt.Errorf("invalid --send URL %s: credentials in the URL would show in process lists; use --send-token-env or --send-token-file", u.Redacted())
	}
	if strings.HasPrefix(scheme, "syslog+") && u.Port() == "" {
		return Target{}, fmt.Errorf("invalid --send URL %s: syslog receivers need a port (e.g. %s://%s:514)", u.Redacted(), scheme, u.Hostname())
	}
	return Target{URL: u, scheme: scheme}, nil
}

// LoadCA reads a PEM bundle of CA certificates for TLS receivers.
func LoadCA(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("read CA file %s: no PEM certificate in it", path)
	}
	return pool, nil
}

// DeliveryError lists the receivers that did not get the report after
// every try.
type DeliveryError struct {
	Failed []error
}

func (e *DeliveryError) Error() string {
	msgs := make([]string, 0, len(e.Failed))
	for _, err := range e.Failed {
		msgs = append(msgs, err.Error())
	}
	return "delivery failed: " + strings.Join(msgs, "; ")
}

// permanent marks an error that retrying cannot fix (a 4xx answer, a
// certificate that does not verify).
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// Send delivers r to every target, each with its own retries. It returns
// a *DeliveryError naming each target that failed, or nil.
func Send(ctx context.Context, r *audit.Report, targets []Target, opts Options) error {
	if opts.Attempts < 1 {
		opts.Attempts = 1
	}
	var failed []error
	for _, t := range targets {
		if err := sendWithRetries(ctx, r, t, opts); err != nil {
			failed = append(failed, fmt.Errorf("%s: %w", t, err))
		}
	}
	if len(failed) > 0 {
		return &DeliveryError{Failed: failed}
	}
	return nil
}

func sendWithRetries(ctx context.Context, r *audit.Report, t Target, opts Options) error {
	payload, err := encode(r, t)
	if err != nil {
		return err
	}
	wait := opts.Backoff
	var last error
	for attempt := 1; attempt <= opts.Attempts; attempt++ {
		actx, cancel := context.WithTimeout(ctx, opts.Timeout)
		last = deliver(actx, t, payload, opts)
		cancel()
		if last == nil {
			opts.Logger.Info().Str("receiver", t.String()).Int("attempt", attempt).Msg("report delivered")
			return nil
		}
		var p permanent
		if errors.As(last, &p) || attempt == opts.Attempts {
			break
		}
		opts.Logger.Warn().Str("receiver", t.String()).Int("attempt", attempt).Dur("retry_in", wait).Err(last).Msg("delivery failed, retrying")
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return fmt.Errorf("%w (gave up: %v)", last, ctx.Err())
		}
		wait = min(wait*2, opts.MaxBackoff)
	}
	return last
}

func deliver(ctx context.Context, t Target, p payload, opts Options) error {
	switch t.scheme {
	case "syslog+tcp":
		return sendStream(ctx, t, p.messages, nil)
	case "syslog+tls":
		return sendStream(ctx, t, p.messages, &tls.Config{ServerName: t.URL.Hostname(), RootCAs: opts.RootCAs, MinVersion: tls.VersionTLS12})
	case "syslog+udp":
		return sendUDP(ctx, t, p.messages)
	}
	return sendHTTP(ctx, t, p, opts)
}

func hostPort(t Target, defaultPort string) string {
	port := t.URL.Port()
	if port == "" {
		port = defaultPort
	}
	return net.JoinHostPort(t.URL.Hostname(), port)
}
