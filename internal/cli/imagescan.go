package cli

import (
	"slices"

	"github.com/rs/zerolog"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/imagescan"
	"github.com/isoaudit/isoaudit/pkg/scan"
)

// imageScanner builds the trivy image scanner from --image-scan,
// --trivy-db and --offline; nil when no source can produce containers.
func (f *scanFlags) imageScanner(log zerolog.Logger) (*imagescan.Scanner, error) {
	mode, err := imagescan.ParseMode(f.imageScan)
	if err != nil {
		return nil, usageErr("invalid --image-scan: %v", err)
	}
	if !slices.Contains(f.kinds(), audit.KindContainer) {
		return nil, nil
	}
	opts := imagescan.DefaultOptions()
	opts.Mode, opts.DBDir, opts.Offline, opts.Logger = mode, f.trivyDB, f.offline, log
	sc, err := imagescan.New(opts)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	// A DB named on the command line must be there, unless --image-scan
	// on may download it.
	if f.trivyDB != "" && mode == imagescan.ModeAuto && !sc.HasDB() {
		_ = sc.Close()
		return nil, usageErr("--trivy-db %s: no trivy.db there (copy one from `trivy image --download-db-only`, or use --image-scan on)", f.trivyDB)
	}
	return sc, nil
}

// imageScannerOrNil keeps a nil *Scanner from becoming a non-nil
// interface.
func imageScannerOrNil(s *imagescan.Scanner) scan.ImageScanner {
	if s == nil {
		return nil
	}
	return s
}
