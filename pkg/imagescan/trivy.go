//go:build goexperiment.jsonv2

package imagescan

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	trivydb "github.com/aquasecurity/trivy-db/pkg/db"
	"github.com/aquasecurity/trivy-db/pkg/metadata"
	dbtypes "github.com/aquasecurity/trivy-db/pkg/types"
	"github.com/aquasecurity/trivy/pkg/cache"
	"github.com/aquasecurity/trivy/pkg/db"
	"github.com/aquasecurity/trivy/pkg/fanal/analyzer"
	_ "github.com/aquasecurity/trivy/pkg/fanal/analyzer/all" // registers the OS, package, secret and config analyzers
	"github.com/aquasecurity/trivy/pkg/fanal/applier"
	"github.com/aquasecurity/trivy/pkg/fanal/artifact"
	artimage "github.com/aquasecurity/trivy/pkg/fanal/artifact/image"
	_ "github.com/aquasecurity/trivy/pkg/fanal/handler/all" // registers the post-analysis handlers
	fimage "github.com/aquasecurity/trivy/pkg/fanal/image"
	ftypes "github.com/aquasecurity/trivy/pkg/fanal/types"
	"github.com/aquasecurity/trivy/pkg/misconf"
	"github.com/aquasecurity/trivy/pkg/scan"
	"github.com/aquasecurity/trivy/pkg/scan/langpkg"
	"github.com/aquasecurity/trivy/pkg/scan/local"
	"github.com/aquasecurity/trivy/pkg/scan/ospkg"
	"github.com/aquasecurity/trivy/pkg/types"
	"github.com/aquasecurity/trivy/pkg/vulnerability"
	"github.com/rs/zerolog"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Built reports whether this binary contains the trivy scanner.
const Built = true

// trivyBackend drives trivy's own building blocks: the daemon image
// source, the image artifact (layer analysis into a memory cache), the
// applier and the local scan service.
type trivyBackend struct {
	opts Options

	regoOnce sync.Once
	regoOpt  misconf.ScannerOption
	regoErr  error

	dbOpen  bool
	dbNotes []string
}

func newBackend(opts Options) (backend, error) {
	// Trivy logs through slog's default logger; until something replaces
	// it, trivy's deferred handler buffers every record in memory. Route
	// its records into our (by default silent) logger instead.
	slog.SetDefault(slog.New(debugOnly{zerolog.NewSlogHandler(opts.Logger.With().Str("component", "trivy").Logger())}))
	return &trivyBackend{opts: opts}, nil
}

// debugOnly logs every trivy record at debug level: the library reports
// what matters as errors, and its own warnings (an image without build
// history, an OS past end of life) are noise at isoaudit's default level.
type debugOnly struct{ slog.Handler }

func (h debugOnly) Enabled(ctx context.Context, _ slog.Level) bool {
	return h.Handler.Enabled(ctx, slog.LevelDebug)
}

func (h debugOnly) Handle(ctx context.Context, r slog.Record) error {
	r.Level = slog.LevelDebug
	return h.Handler.Handle(ctx, r)
}

func (h debugOnly) WithAttrs(attrs []slog.Attr) slog.Handler {
	return debugOnly{h.Handler.WithAttrs(attrs)}
}

func (h debugOnly) WithGroup(name string) slog.Handler { return debugOnly{h.Handler.WithGroup(name)} }

// prepareDB updates the DB through trivy's client when the mode and
// --offline allow, then opens it read-only (process-global).
func (b *trivyBackend) prepareDB(ctx context.Context) ([]string, error) {
	if b.dbOpen { // a later scan of the same Scanner reuses the open DB
		return b.dbNotes, nil
	}
	var notes []string
	if b.opts.Mode == ModeOn && !b.opts.Offline {
		client := db.NewClient(b.opts.DBDir, true)
		need, err := client.NeedsUpdate(ctx, "isoaudit", false)
		if err != nil {
			return nil, fmt.Errorf("check trivy DB at %s: %w", b.opts.DBDir, err)
		}
		if need {
			if err := client.Download(ctx, b.opts.DBDir, ftypes.RegistryOptions{}); err != nil {
				if !b.opts.haveDB() {
					return nil, fmt.Errorf("download trivy DB to %s: %w", b.opts.DBDir, err)
				}
				notes = append(notes, fmt.Sprintf("trivy DB update failed, using the DB on disk: %v", err))
			} else {
				notes = append(notes, "trivy DB downloaded")
			}
		}
	}
	if !b.opts.haveDB() {
		why := "give --trivy-db DIR"
		if b.opts.Offline {
			why += "; --offline forbids downloading it"
		}
		return nil, fmt.Errorf("no trivy vulnerability DB at %s (%s)", b.opts.DBDir, why)
	}
	meta, err := metadata.NewClient(b.opts.DBDir).Get()
	switch {
	case err != nil:
		notes = append(notes, "trivy DB has no readable metadata.json; its age is unknown")
	case meta.Version != trivydb.SchemaVersion:
		return nil, fmt.Errorf("trivy DB at %s has schema %d, this build reads schema %d", b.opts.DBDir, meta.Version, trivydb.SchemaVersion)
	default:
		notes = append(notes, fmt.Sprintf("trivy DB updated %s", meta.UpdatedAt.UTC().Format(time.RFC3339)))
		if !meta.NextUpdate.IsZero() && time.Now().After(meta.NextUpdate) {
			notes = append(notes, fmt.Sprintf("trivy DB is stale: its next update was due %s", meta.NextUpdate.UTC().Format(time.RFC3339)))
		}
	}
	if err := db.Init(b.opts.DBDir); err != nil {
		return nil, fmt.Errorf("open trivy DB at %s: %w", b.opts.DBDir, err)
	}
	b.dbOpen, b.dbNotes = true, notes
	return notes, nil
}

func (b *trivyBackend) built() error { return nil }

func (b *trivyBackend) close() error {
	if !b.dbOpen {
		return nil
	}
	b.dbOpen = false
	return db.Close()
}

// misconfOption compiles trivy's embedded image-configuration checks once
// for all images.
func (b *trivyBackend) misconfOption() (misconf.ScannerOption, error) {
	b.regoOnce.Do(func() {
		opt := misconf.ScannerOption{RegoErrorLimit: 10}
		rs, err := misconf.InitRegoScanner(opt)
		if err != nil {
			b.regoErr = fmt.Errorf("compile trivy's image configuration checks: %w", err)
			return
		}
		opt.RegoScanner = rs
		b.regoOpt = opt
	})
	return b.regoOpt, b.regoErr
}

// disabledAnalyzers follows trivy's CLI for `image --scanners
// vuln,secret --image-config-scanners misconfig`, and also turns off what
// would reach the network: the executable analyzer (binary digests to
// Rekor) and the Java archive analyzer (Java DB).
func (b *trivyBackend) disabledAnalyzers() []analyzer.Type {
	disabled := []analyzer.Type{analyzer.TypeApkCommand, analyzer.TypeLicenseFile, analyzer.TypeExecutable,
		analyzer.TypeRpmArchive, analyzer.TypeJar}
	disabled = append(disabled, analyzer.TypeConfigFiles...)
	if !b.opts.Misconfig {
		disabled = append(disabled, analyzer.TypeHistoryDockerfile)
	}
	return disabled
}

// scanImage reads the image from the daemon, analyzes its layers and
// config, and (withVulns) matches its packages against the DB.
func (b *trivyBackend) scanImage(ctx context.Context, host, imageID string, withVulns bool) (audit.ImageScan, error) {
	opt := artifact.Option{
		Offline: true, NoProgress: true, Parallel: 2,
		DisabledAnalyzers: b.disabledAnalyzers(),
		ImageOption: ftypes.ImageOptions{
			ImageSources:  ftypes.ImageSources{ftypes.DockerImageSource},
			DockerOptions: ftypes.DockerOptions{Host: host},
		},
	}
	scanOpts := types.ScanOptions{
		PkgTypes:         []string{types.PkgTypeOS, types.PkgTypeLibrary},
		PkgRelationships: ftypes.Relationships, // empty filters out every package
		Scanners:         types.Scanners{types.SBOMScanner, types.SecretScanner},
		// Without it every severity is UNKNOWN; "auto" is the CLI default.
		VulnSeveritySources: []dbtypes.SourceID{"auto"},
	}
	if withVulns {
		scanOpts.Scanners = append(scanOpts.Scanners, types.VulnerabilityScanner)
	}
	if b.opts.Misconfig {
		mo, err := b.misconfOption()
		if err != nil {
			return audit.ImageScan{}, err
		}
		opt.MisconfScannerOption = mo
		scanOpts.ImageConfigScanners = types.Scanners{types.MisconfigScanner}
	}

	// The daemon knows the image by id; trivy asks for it by this name.
	img, cleanup, err := fimage.NewContainerImage(ctx, strings.TrimPrefix(imageID, "sha256:"), opt.ImageOption)
	if err != nil {
		return audit.ImageScan{}, fmt.Errorf("read image from the daemon: %w", err)
	}
	defer cleanup()
	c := cache.NewMemoryCache()
	art, err := artimage.NewArtifact(img, c, opt)
	if err != nil {
		return audit.ImageScan{}, fmt.Errorf("prepare image analysis: %w", err)
	}
	svc := scan.NewService(local.NewService(applier.NewApplier(c), ospkg.NewScanner(), langpkg.NewScanner(),
		vulnerability.NewClient(trivydb.Config{})), art)
	rep, err := svc.ScanArtifact(ctx, scanOpts)
	if err != nil {
		return audit.ImageScan{}, fmt.Errorf("scan image: %w", err)
	}
	return summarize(rep), nil
}

// summarize keeps what the checks read; secret matches are dropped.
func summarize(rep types.Report) audit.ImageScan {
	out := audit.ImageScan{Status: audit.ImageScanOK, Analyzed: true,
		Fixable: []audit.Vulnerability{}, Secrets: []audit.ImageSecret{}, Misconfigs: []audit.ImageMisconfig{}}
	if os := rep.Metadata.OS; os != nil && os.Family != "" && os.Family != "none" {
		out.OS = strings.TrimSpace(string(os.Family) + " " + os.Name)
	}
	seen := map[string]bool{}
	for _, r := range rep.Results {
		out.Packages += int64(len(r.Packages))
		for _, v := range r.Vulnerabilities {
			key := v.VulnerabilityID + "\x00" + v.PkgName + "\x00" + v.InstalledVersion
			if seen[key] {
				continue
			}
			seen[key] = true
			sev := strings.ToLower(v.Severity)
			switch sev {
			case "critical":
				out.Vulnerabilities.Critical++
			case "high":
				out.Vulnerabilities.High++
			case "medium":
				out.Vulnerabilities.Medium++
			case "low":
				out.Vulnerabilities.Low++
			default:
				sev = "unknown"
				out.Vulnerabilities.Unknown++
			}
			if v.FixedVersion != "" {
				out.Fixable = append(out.Fixable, audit.Vulnerability{ID: v.VulnerabilityID, Package: v.PkgName,
					Installed: v.InstalledVersion, Fixed: v.FixedVersion, Severity: sev})
			}
		}
		for _, s := range r.Secrets {
			out.Secrets = append(out.Secrets, audit.ImageSecret{RuleID: s.RuleID, Title: s.Title,
				Severity: strings.ToLower(s.Severity), Path: secretPath(r.Target), Line: int64(s.StartLine)})
		}
		for _, m := range r.Misconfigurations {
			if m.Status != types.MisconfStatusFailure {
				continue
			}
			out.Misconfigs = append(out.Misconfigs, audit.ImageMisconfig{ID: m.ID, Title: m.Title, Severity: strings.ToLower(m.Severity)})
		}
	}
	slices.SortFunc(out.Fixable, func(a, b audit.Vulnerability) int {
		return cmp.Or(cmp.Compare(severityRank(a.Severity), severityRank(b.Severity)), strings.Compare(a.ID, b.ID),
			strings.Compare(a.Package, b.Package))
	})
	slices.SortFunc(out.Secrets, func(a, b audit.ImageSecret) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), cmp.Compare(a.Line, b.Line), strings.Compare(a.RuleID, b.RuleID))
	})
	slices.SortFunc(out.Misconfigs, func(a, b audit.ImageMisconfig) int { return strings.Compare(a.ID, b.ID) })
	out.Misconfigs = slices.CompactFunc(out.Misconfigs, func(a, b audit.ImageMisconfig) bool { return a.ID == b.ID })
	return out
}

// secretPath makes a result target an absolute path in the image.
func secretPath(target string) string {
	if target == "" || strings.HasPrefix(target, "/") {
		return target
	}
	return "/" + target
}

func severityRank(s string) int {
	return slices.Index([]string{"critical", "high", "medium", "low", "unknown"}, s)
}
