package imagescan

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// SourceKind is the report source kind of the image scanner.
const SourceKind = "trivy"

// errNotBuilt explains a build without trivy (Built is false).
var errNotBuilt = errors.New("this isoaudit was built without the trivy image scanner (build with GOEXPERIMENT=jsonv2: make build)")

// backend is the scanning engine: trivy (trivy.go) or, in builds without
// it, a stand-in that explains why nothing was scanned (notrivy.go).
type backend interface {
	// prepareDB makes the vulnerability DB usable: downloads or updates
	// it when opts allow, then opens it. It returns remarks for the
	// report (DB age) and an error when no DB can be used.
	prepareDB(ctx context.Context) (notes []string, err error)
	// scanImage scans one image of the daemon at host ("" for the
	// environment's default), matching vulnerabilities when withVulns.
	scanImage(ctx context.Context, host, imageID string, withVulns bool) (audit.ImageScan, error)
	// built is nil when the backend can scan, else why not.
	built() error
	close() error
}

// Scanner scans container images. Use New; Close releases the DB. It
// implements scan.ImageScanner. One Scanner at a time per process: trivy's
// DB handle is process-global.
type Scanner struct {
	opts    Options
	backend backend
	scans   atomic.Int64 // images scanned, for tests and benchmarks
}

// New validates opts and returns a scanner. It does not touch the
// network or the daemon.
func New(opts Options) (*Scanner, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	b, err := newBackend(opts)
	if err != nil {
		return nil, err
	}
	return &Scanner{opts: opts, backend: b}, nil
}

// Close releases the vulnerability DB.
func (s *Scanner) Close() error { return s.backend.close() }

// HasDB reports whether a DB file is in Options.DBDir.
func (s *Scanner) HasDB() bool { return s.opts.haveDB() }

// ImagesScanned is the number of image scans run so far.
func (s *Scanner) ImagesScanned() int64 { return s.scans.Load() }

// target is one distinct image on one daemon.
type target struct {
	host, id string
}

// ScanImages sets Container.Image.Scan on every container asset and
// returns the report's source entry (zero, Kind "", when no container is
// on a daemon it can read: offline input only) and the images that
// failed. Each
// distinct (daemon, image id) is scanned once; every container of the
// image gets the same result.
func (s *Scanner) ScanImages(ctx context.Context, assets []audit.Asset) (audit.Source, []audit.ScanError) {
	src := audit.Source{Kind: SourceKind, Endpoint: s.opts.DBDir, Status: audit.SourceOK}
	groups := map[target][]*audit.Container{}
	for i := range assets {
		c := assets[i].Container
		if c == nil {
			continue
		}
		host, why := scannableHost(assets[i])
		switch {
		case why != "":
			c.Image.Scan = unknown(why)
		case c.Image.ID == "":
			c.Image.Scan = unknown("the container's image id is not known")
		default:
			t := target{host: host, id: c.Image.ID}
			groups[t] = append(groups[t], c)
		}
	}
	if len(groups) == 0 {
		// Offline input only (or no container): nothing to read, and no
		// source to report; each container says why it was not scanned.
		return audit.Source{}, nil
	}
	if s.opts.Mode == ModeOff {
		setAll(groups, unknown("image scanning is off (--image-scan off)"))
		src.Status = audit.SourceSkipped
		src.Notes = []string{"image scanning is off"}
		return src, nil
	}
	if err := s.backend.built(); err != nil {
		setAll(groups, unknown(err.Error()))
		src.Status, src.Error = audit.SourceSkipped, err.Error()
		if s.opts.Mode == ModeOn {
			src.Status = audit.SourceError
		}
		return src, nil
	}
	withVulns := true
	notes, err := s.prepareDB(ctx)
	src.Notes = append(src.Notes, notes...)
	if err != nil {
		withVulns = false
		if s.opts.Mode == ModeAuto {
			setAll(groups, unknown(err.Error()))
			src.Status, src.Error = audit.SourceSkipped, err.Error()
			return src, nil
		}
		// --image-scan on: the layers are still read (secrets, packages),
		// but without a DB the scan is incomplete.
		src.Status, src.Error = audit.SourceError, err.Error()
	}
	errs := s.scanAll(ctx, groups, withVulns, err)
	src.Assets = len(groups)
	return src, errs
}

// prepareDB checks for a DB first, so the auto mode never reaches the
// network.
func (s *Scanner) prepareDB(ctx context.Context) ([]string, error) {
	if s.opts.Mode == ModeAuto && !s.opts.haveDB() {
		return nil, fmt.Errorf("no trivy vulnerability DB at %s (give --trivy-db DIR, or --image-scan on to download it)", s.opts.DBDir)
	}
	return s.backend.prepareDB(ctx)
}

// scanAll scans the distinct images, Options.Concurrency at a time, and
// copies each result to the image's containers.
func (s *Scanner) scanAll(ctx context.Context, groups map[target][]*audit.Container, withVulns bool, dbErr error) []audit.ScanError {
	targets := slices.SortedFunc(func(yield func(target) bool) {
		for t := range groups {
			if !yield(t) {
				return
			}
		}
	}, func(a, b target) int { return cmp.Or(strings.Compare(a.host, b.host), strings.Compare(a.id, b.id)) })
	var (
		mu   sync.Mutex
		errs []audit.ScanError
		wg   sync.WaitGroup
		sem  = make(chan struct{}, s.opts.Concurrency)
	)
	for _, t := range targets {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				setAll(map[target][]*audit.Container{t: groups[t]}, failed(ctx.Err()))
				return
			}
			defer func() { <-sem }()
			s.scans.Add(1)
			res, err := s.backend.scanImage(ctx, t.host, t.id, withVulns)
			if err != nil {
				res = failed(err)
				mu.Lock()
				errs = append(errs, audit.ScanError{Source: SourceKind + " " + s.opts.DBDir,
					Message: fmt.Sprintf("scan image %s: %v", shortID(t.id), err)})
				mu.Unlock()
			} else if !withVulns {
				res.Status, res.Reason = audit.ImageScanUnknown, dbErr.Error()
			}
			for _, c := range groups[t] {
				c.Image.Scan = res
			}
		})
	}
	wg.Wait()
	slices.SortFunc(errs, func(a, b audit.ScanError) int { return strings.Compare(a.Message, b.Message) })
	return errs
}

// scannableHost returns the daemon endpoint to read the asset's image
// from (a local socket), or why it cannot be read.
func scannableHost(a audit.Asset) (host, why string) {
	if a.Platform != "docker" && a.Platform != "podman" {
		return "", "not a container of a Docker or Podman daemon"
	}
	u, err := url.Parse(a.Source)
	if err != nil || u.Scheme == "" {
		return "", "offline input: the image is not on a reachable daemon"
	}
	switch u.Scheme {
	case "unix", "npipe":
		return a.Source, ""
	case "tcp", "http", "https":
		// Trivy's daemon client takes TLS settings from the environment
		// its own way (no verification without DOCKER_TLS_VERIFY); the
		// collector always verifies. Remote images are not read until
		// the scanner can be given the collector's TLS configuration.
		return "", fmt.Sprintf("images are scanned on local daemon sockets only, not over %s:// (its TLS would not be verified as the collector's is)", u.Scheme)
	}
	return "", fmt.Sprintf("images are not scanned over %s:// endpoints", u.Scheme)
}

func unknown(reason string) audit.ImageScan {
	return audit.ImageScan{Status: audit.ImageScanUnknown, Reason: reason}
}

func failed(err error) audit.ImageScan {
	return audit.ImageScan{Status: audit.ImageScanError, Reason: err.Error()}
}

func setAll(groups map[target][]*audit.Container, v audit.ImageScan) {
	for _, cs := range groups {
		for _, c := range cs {
			c.Image.Scan = v
		}
	}
}

func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
