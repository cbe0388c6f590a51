//go:build !goexperiment.jsonv2

package imagescan

import (
	"context"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Built reports whether this binary contains the trivy scanner.
const Built = false

// noTrivy reports every image as not scanned.
type noTrivy struct{}

func newBackend(Options) (backend, error) { return noTrivy{}, nil }

func (noTrivy) prepareDB(context.Context) ([]string, error) { return nil, errNotBuilt }

func (noTrivy) scanImage(context.Context, string, string, bool) (audit.ImageScan, error) {
	return audit.ImageScan{}, errNotBuilt
}

func (noTrivy) built() error { return errNotBuilt }

func (noTrivy) close() error { return nil }
