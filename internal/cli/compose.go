package cli

import (
	"os"
	"strings"
	"sync"

	"github.com/rs/zerolog"
	"github.com/sirupsen/logrus"

	"github.com/isoaudit/isoaudit/pkg/collect"
	"github.com/isoaudit/isoaudit/pkg/collect/compose"
)

// composeCollectors loads each --compose file now, so a broken file is a
// usage error (exit 2) before anything is scanned. Interpolation reads the
// environment as `docker compose` would; values never reach the report.
func composeCollectors(f *scanFlags, log zerolog.Logger) ([]collect.Collector, error) {
	if len(f.composeFiles) == 0 {
		return nil, nil
	}
	routeComposeWarnings(log)
	var out []collect.Collector
	for _, path := range f.composeFiles {
		opts := compose.DefaultOptions()
		opts.Path, opts.Env = path, os.Environ()
		opts.Logger = log.With().Str("source", compose.Kind).Logger()
		c, err := compose.New(opts)
		if err != nil {
			return nil, usageErr("--compose %s: %v", path, err)
		}
		out = append(out, c)
	}
	return out, nil
}

var routeOnce sync.Once

// routeComposeWarnings sends compose-go's logrus warnings (an obsolete
// `version:` key…) through isoaudit's logger, so they honour --log-format
// and --log-level instead of printing raw lines on stderr.
func routeComposeWarnings(log zerolog.Logger) {
	routeOnce.Do(func() {
		logrus.SetFormatter(&logrus.TextFormatter{DisableTimestamp: true, DisableQuote: true})
		logrus.SetOutput(logrusWriter{log.With().Str("source", compose.Kind).Logger()})
	})
}

type logrusWriter struct{ log zerolog.Logger }

func (w logrusWriter) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	msg = strings.TrimPrefix(strings.TrimPrefix(msg, "level=warning msg="), "level=info msg=")
	w.log.Warn().Msg(msg)
	return len(p), nil
}
