package scan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/baseline"
	"github.com/isoaudit/isoaudit/pkg/collect"
	"github.com/isoaudit/isoaudit/pkg/collect/hvversion"
	"github.com/isoaudit/isoaudit/pkg/engine"
	"github.com/isoaudit/isoaudit/pkg/policy"
	"github.com/isoaudit/isoaudit/pkg/score"
)

// Config is everything one scan needs. Engine and Weights are required.
type Config struct {
	Collectors []collect.Collector
	// Skipped are sources discovery looked for and did not find; they are
	// reported with status "skipped" so a user sees what was not audited.
	Skipped []audit.Source
	// Engine evaluates the checks. When it is nil, Compile builds it while
	// the collectors run, so compiling the catalog overlaps the network
	// round trips; a Compile error ends the scan with that error.
	Engine  *engine.Engine
	Compile func() (*engine.Engine, error)
	Weights score.Weights
	Gate    policy.Gate
	// Hypervisors are the operator's --hypervisor-version assumptions per
	// VM platform: they fill the product and version of VMs whose source
	// did not say (offline files without their logs).
	Hypervisors map[string]hvversion.Release
	// Waivers, when set, turn the failures they cover into waived findings
	// before scoring; the report records what each entry did.
	Waivers *policy.Waivers
	// Baseline, when set, marks failures new or unchanged against an older
	// report before the gate is evaluated.
	Baseline *baseline.Baseline
	// Policy, when set, selects the checks that report and overrides
	// severities before scoring; the report records it and judges its
	// controls. Weights and Gate are still taken from their own fields.
	Policy *policy.Profile
	Tool   audit.Tool
	// Progress, when set, is called as each collector finishes (from the
	// collector's goroutine; it must be safe for concurrent use): done of
	// total sources are read, the last one at endpoint, failed or not.
	Progress func(done, total int, endpoint string, failed bool)
	// Trust, when set, is applied to every container's image before the
	// checks run (container.image.trust).
	Trust *policy.Trust
	// Images, when set, scans the images of the collected containers
	// before the checks run (container.image.scan); its source entry is
	// added to the report.
	Images ImageScanner
	// Timeout, when positive, is the deadline for reading the sources
	// (collection and the image scan): sources still unread then fail
	// with the deadline, and what was read is evaluated and reported
	// all the same. ctx itself bounds the whole scan.
	Timeout time.Duration
	// Now stamps the report (default time.Now); tests inject a fixed clock.
	Now    func() time.Time
	Logger zerolog.Logger
}

// ImageScanner fills Container.Image.Scan of container assets. It must
// scan each distinct image once however many containers use it, set a
// status on every container asset (ImageScanUnknown with a reason when an
// image could not be scanned), and describe itself and its database as a
// report source (Kind "" when it had nothing to read, e.g. offline input
// only: no source is added), with one error per image that could not be
// scanned. An error status in the source makes the scan incomplete.
type ImageScanner interface {
	ScanImages(ctx context.Context, assets []audit.Asset) (audit.Source, []audit.ScanError)
}

// ErrNothingToScan is returned when no source was given or found.
var ErrNothingToScan = errors.New("nothing to audit: no source was given and none was found")

// Run collects, evaluates, scores and gates. It returns an error only when
// the configuration is unusable; unreadable sources are recorded in the
// report (Source.Status "error" and Report.Errors) instead.
func Run(ctx context.Context, cfg Config) (*audit.Report, error) {
	if cfg.Engine == nil && cfg.Compile == nil {
		return nil, errors.New("run scan: no engine")
	}
	if len(cfg.Collectors) == 0 && len(cfg.Skipped) == 0 {
		return nil, ErrNothingToScan
	}
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	r := &audit.Report{SchemaVersion: audit.SchemaVersion, Tool: cfg.Tool, CreatedAt: now().UTC().Truncate(time.Second),
		Sources: []audit.Source{}, Assets: []audit.AssetResult{}, Errors: []audit.ScanError{}}

	// A catalog that fails to compile ends the scan at once: the pending
	// collectors are cancelled rather than waited for. The deadline
	// bounds reading only: evaluating what was read waits on nothing.
	collectCtx, cancelCollect := context.WithCancel(ctx)
	if cfg.Timeout > 0 {
		collectCtx, cancelCollect = context.WithTimeout(ctx, cfg.Timeout)
	}
	defer cancelCollect()
	eng, compiled := cfg.Engine, make(chan error, 1)
	if eng == nil {
		go func() {
			var err error
			if eng, err = cfg.Compile(); err != nil {
				cancelCollect()
			}
			compiled <- err
		}()
	} else {
		compiled <- nil
	}
	assets := collectAll(collectCtx, cfg, r)
	for i := range assets {
		hvversion.Assume(assets[i].VM, cfg.Hypervisors)
	}
	enrichImages(collectCtx, cfg, now(), assets, r)
	if err := <-compiled; err != nil {
		return nil, err
	}
	cfg.Logger.Debug().Int("assets", len(assets)).Msg("evaluating checks")
	var waivers *policy.WaiverRun
	if cfg.Waivers != nil {
		waivers = cfg.Waivers.Start(r.CreatedAt)
	}
	r.Assets = make([]audit.AssetResult, 0, len(assets))
	// Assets are evaluated a batch at a time and their findings folded
	// into the report's compact store at once: all findings of a large
	// fleet held whole were most of a 10,000-document scan's memory.
	for lo := 0; lo < len(assets); lo += evalBatch {
		batch := assets[lo:min(lo+evalBatch, len(assets))]
		perAsset := eng.Evaluate(ctx, batch)
		for i := range batch {
			findings := perAsset[i]
			if findings == nil { // evaluation cancelled before this asset
				continue
			}
			if cfg.Policy != nil {
				findings = cfg.Policy.Apply(findings)
			}
			if waivers != nil {
				waivers.Apply(&batch[i], findings)
			}
			risk, grade := cfg.Weights.Asset(findings)
			r.Assets = append(r.Assets, audit.AssetResult{Asset: &batch[i], Host: batch[i].HostName(), Risk: risk, Grade: grade})
			r.Findings.AppendAsset(&batch[i], findings)
			// The normalized document has served its purpose: no output
			// carries it, and a fleet's documents would outweigh the rest
			// of the report.
			batch[i].Container, batch[i].VM = nil, nil
		}
	}
	if err := ctx.Err(); err != nil {
		r.Errors = append(r.Errors, audit.ScanError{Source: "scan", Message: fmt.Sprintf("scan interrupted: %v", err)})
	}
	if waivers != nil {
		r.Waivers = waivers.Report()
	}
	if cfg.Baseline != nil {
		cfg.Baseline.Compare(r)
	}
	if cfg.Policy != nil {
		r.Policy = cfg.Policy.Report(r)
	}
	r.Summary = summarize(r)
	r.Summary.Gate = cfg.Gate.Evaluate(r)
	return r, nil
}

// evalBatch is how many assets are evaluated before their findings are
// stored: enough to keep every core busy, few enough that the whole
// findings of one batch stay small.
const evalBatch = 256

// collectAll runs the collectors concurrently and fills the report's
// sources and errors; it returns the assets sorted by id.
func collectAll(ctx context.Context, cfg Config, r *audit.Report) []audit.Asset {
	type result struct {
		batch *collect.Batch
		err   error
	}
	results := make([]result, len(cfg.Collectors))
	var wg sync.WaitGroup
	var done atomic.Int32
	for i, c := range cfg.Collectors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			b, err := c.Collect(ctx)
			if closer, ok := c.(io.Closer); ok { // release connections and ssh helpers now
				if cerr := closer.Close(); cerr != nil {
					cfg.Logger.Debug().Err(cerr).Str("endpoint", c.Endpoint()).Msg("close source")
				}
			}
			results[i] = result{b, err}
			if cfg.Progress != nil {
				cfg.Progress(int(done.Add(1)), len(cfg.Collectors), c.Endpoint(), err != nil)
			}
			cfg.Logger.Debug().Str("source", c.Kind()).Str("endpoint", c.Endpoint()).
				Dur("took", time.Since(start)).Err(err).Msg("collected")
		}()
	}
	wg.Wait()

	var assets []audit.Asset
	for i, c := range cfg.Collectors {
		src := audit.Source{Kind: c.Kind(), Endpoint: c.Endpoint(), Status: audit.SourceOK}
		res := results[i]
		if b := res.batch; b != nil {
			src.Assets, src.Notes = len(b.Assets), b.Notes
			if assets == nil {
				assets = b.Assets // the usual single source: no copy
			} else {
				assets = append(assets, b.Assets...)
			}
			r.Errors = append(r.Errors, b.Errors...)
		}
		if err := res.err; err != nil {
			if cfg.Timeout > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded) {
				err = fmt.Errorf("not read within the scan's %s deadline: %w", cfg.Timeout, err)
			}
			src.Status, src.Error = audit.SourceError, err.Error()
			r.Errors = append(r.Errors, audit.ScanError{Source: c.Kind() + " " + c.Endpoint(), Message: err.Error()})
		}
		r.Sources = append(r.Sources, src)
	}
	r.Sources = append(r.Sources, cfg.Skipped...)
	sort.SliceStable(assets, func(i, j int) bool { return assets[i].ID < assets[j].ID })
	return dedupe(assets, r)
}

// enrichImages applies the trust policy and the image scanner to the
// container assets.
func enrichImages(ctx context.Context, cfg Config, now time.Time, assets []audit.Asset, r *audit.Report) {
	if cfg.Trust != nil {
		for i := range assets {
			if c := assets[i].Container; c != nil {
				c.Image.Trust = cfg.Trust.Apply(c.Image, now)
			}
		}
	}
	containers := 0
	for _, a := range assets {
		if a.Container != nil {
			containers++
		}
	}
	if cfg.Images == nil || containers == 0 {
		return
	}
	start := time.Now()
	src, errs := cfg.Images.ScanImages(ctx, assets)
	cfg.Logger.Debug().Str("source", src.Kind).Str("status", src.Status).Int("images", src.Assets).
		Dur("took", time.Since(start)).Msg("images scanned")
	r.Errors = append(r.Errors, errs...)
	if src.Kind == "" { // nothing the scanner could read
		return
	}
	if src.Status == audit.SourceError {
		r.Errors = append(r.Errors, audit.ScanError{Source: src.Kind + " " + src.Endpoint, Message: src.Error})
	}
	r.Sources = append(r.Sources, src)
}

// dedupe drops a second asset with an id already seen (the same container
// reached through two endpoints) and records it as an error.
func dedupe(assets []audit.Asset, r *audit.Report) []audit.Asset {
	out := assets[:0] // in place: the fleet's assets are never copied
	for i := range assets {
		a := &assets[i]
		if len(out) > 0 && a.ID == out[len(out)-1].ID {
			r.Errors = append(r.Errors, audit.ScanError{Source: a.Source, AssetID: a.ID,
				Message: "asset reported twice; the second copy was ignored"})
			continue
		}
		out = append(out, *a)
	}
	return out
}

func summarize(r *audit.Report) audit.Summary {
	s := audit.Summary{Assets: len(r.Assets), BySeverity: map[string]int{}, ByStatus: map[string]int{}}
	for _, sev := range audit.Severities() {
		s.BySeverity[sev.String()] = 0
	}
	for _, st := range audit.Statuses() {
		s.ByStatus[string(st)] = 0
	}
	for i := range r.Findings.Len() {
		st := r.Findings.Status(i)
		s.ByStatus[string(st)]++
		if st == audit.StatusFail {
			s.BySeverity[r.Findings.Severity(i).String()]++
		}
	}
	risks := make([]float64, len(r.Assets))
	for i, a := range r.Assets {
		risks[i] = a.Risk
	}
	s.MaxRisk, s.MeanRisk, s.ByGrade = score.Fleet(risks)
	return s
}
