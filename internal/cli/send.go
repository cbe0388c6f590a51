package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/pflag"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/ship"
)

// sendFlags are the --send flags shared by scan and convert.
type sendFlags struct {
	urls      []string
	tokenEnv  string
	tokenFile string
	caFile    string
	attempts  int
	backoff   time.Duration
	timeout   time.Duration
}

func (f *sendFlags) register(fl *pflag.FlagSet) {
	fl.StringArrayVar(&f.urls, "send", nil, "also deliver the report to a receiver (repeatable): syslog+tcp://HOST:PORT (RFC 6587 octet counting), "+
		"syslog+tls://HOST:PORT, syslog+udp://HOST:PORT, splunk+https://HOST:PORT[/PATH] (HEC), https://URL (JSON webhook)")
	fl.StringVar(&f.tokenEnv, "send-token-env", "", "read the HEC or webhook token from this environment variable")
	fl.StringVar(&f.tokenFile, "send-token-file", "", "read the HEC or webhook token from this file")
	fl.StringVar(&f.caFile, "send-ca", "", "PEM CA bundle to verify TLS receivers with (instead of the system roots)")
	fl.IntVar(&f.attempts, "send-attempts", 4, "tries per receiver before giving up (exit 4)")
	fl.DurationVar(&f.backoff, "send-backoff", time.Second, "wait before the second try; doubles per try (at most 30s)")
	fl.DurationVar(&f.timeout, "send-timeout", 10*time.Second, "bound each try")
}

// prepare validates the flags before the scan, so a bad URL, token source
// or CA file is a usage error (exit 2) that costs no scan.
func (f *sendFlags) prepare(log zerolog.Logger) ([]ship.Target, ship.Options, error) {
	opts := ship.DefaultOptions()
	if len(f.urls) == 0 {
		if f.tokenEnv != "" || f.tokenFile != "" || f.caFile != "" {
			return nil, opts, usageErr("--send-token-env, --send-token-file and --send-ca need --send")
		}
		return nil, opts, nil
	}
	var targets []ship.Target
	for _, u := range f.urls {
		t, err := ship.Parse(u)
		if err != nil {
			return nil, opts, usageErr("%v", err)
		}
		targets = append(targets, t)
	}
	if f.attempts < 1 || f.backoff < 0 || f.timeout <= 0 {
		return nil, opts, usageErr("--send-attempts and --send-timeout must be positive, --send-backoff not negative")
	}
	opts.Attempts, opts.Backoff, opts.Timeout, opts.Logger = f.attempts, f.backoff, f.timeout, log
	switch {
	case f.tokenEnv != "" && f.tokenFile != "":
		return nil, opts, usageErr("give --send-token-env or --send-token-file, not both")
	case f.tokenEnv != "":
		v, ok := os.LookupEnv(f.tokenEnv)
		if !ok || strings.TrimSpace(v) == "" {
			return nil, opts, usageErr("--send-token-env %s: the variable is not set or empty", f.tokenEnv)
		}
		opts.Token = strings.TrimSpace(v)
	case f.tokenFile != "":
		b, err := os.ReadFile(f.tokenFile)
		if err != nil {
			return nil, opts, inputErr(fmt.Errorf("read --send-token-file: %w", err))
		}
		if opts.Token = strings.TrimSpace(string(b)); opts.Token == "" {
			return nil, opts, usageErr("--send-token-file %s is empty", f.tokenFile)
		}
	}
	if f.caFile != "" {
		pool, err := ship.LoadCA(f.caFile)
		if err != nil {
			return nil, opts, inputErr(fmt.Errorf("--send-ca: %w", err))
		}
		opts.RootCAs = pool
	}
	return targets, opts, nil
}

// deliver sends the written report and folds a delivery failure into the
// command's outcome: 2 > 1 > 4 > 3 (see exit.go).
func deliver(ctx context.Context, targets []ship.Target, opts ship.Options, r *audit.Report, outcome error) error {
	if len(targets) == 0 {
		return outcome
	}
	err := ship.Send(ctx, r, targets, opts)
	if err == nil {
		return outcome
	}
	if Code(outcome) == ExitUsage || Code(outcome) == ExitGate {
		opts.Logger.Error().Err(err).Msg("delivery failed; the report was written locally")
		return outcome
	}
	var de *ship.DeliveryError
	if !errors.As(err, &de) {
		return &ExitError{Code: ExitDelivery, Err: err}
	}
	return &ExitError{Code: ExitDelivery, Err: fmt.Errorf("%w (the report was written locally)", err)}
}
