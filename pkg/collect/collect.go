// Package collect defines how sources of assets plug into a scan: one small
// Collector interface, implemented by one package per source
// (pkg/collect/docker, pkg/collect/inspectfile, …).
package collect

import (
	"context"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Collector reads assets from one source (a daemon endpoint, a file).
// Implementations must be safe to run concurrently with other collectors,
// honour ctx cancellation, and never log or return secret values.
type Collector interface {
	// Kind names the source type in reports: "docker", "inspect-file"…
	Kind() string
	// Endpoint names this source instance: a daemon URL or a file path.
	Endpoint() string
	// Collect returns the assets it could read. A non-nil error means the
	// source as a whole could not be read; the Batch may still hold what
	// was gathered before the failure. Per-asset problems go into
	// Batch.Errors and Batch.Notes instead.
	Collect(ctx context.Context) (*Batch, error)
}

// Batch is what one collector produced.
type Batch struct {
	Assets []audit.Asset
	// Errors lost part of the source (one container failed to inspect).
	Errors []audit.ScanError
	// Notes are harmless remarks (a container removed between list and
	// inspect) that the report shows on the source.
	Notes []string
}
