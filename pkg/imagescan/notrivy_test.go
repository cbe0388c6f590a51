//go:build !goexperiment.jsonv2

package imagescan

import (
	"context"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// TestBuildWithoutTrivy: a build without GOEXPERIMENT=jsonv2 scans
// nothing and says why, as unknown; --image-scan on makes that an error.
func TestBuildWithoutTrivy(t *testing.T) {
	for mode, status := range map[Mode]string{ModeAuto: audit.SourceSkipped, ModeOn: audit.SourceError} {
		opts := DefaultOptions()
		opts.Mode, opts.DBDir = mode, t.TempDir()
		s, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		assets := []audit.Asset{containerAsset("a", "unix:///run/docker.sock", "sha256:a")}
		src, errs := s.ScanImages(context.Background(), assets)
		sc := assets[0].Container.Image.Scan
		if src.Status != status || len(errs) != 0 || sc.Status != audit.ImageScanUnknown ||
			!strings.Contains(sc.Reason, "GOEXPERIMENT=jsonv2") || s.ImagesScanned() != 0 {
			t.Errorf("%s: source %+v, errors %v, image %+v", mode, src, errs, sc)
		}
	}
}
