package docker

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect"
)

// Kind is the source kind reported for this collector.
const Kind = "docker"

// engineAPI is the part of the Engine API client the collector uses;
// *client.Client implements it.
type engineAPI interface {
	Info(ctx context.Context, options client.InfoOptions) (client.SystemInfoResult, error)
	ServerVersion(ctx context.Context, options client.ServerVersionOptions) (client.ServerVersionResult, error)
	ContainerList(ctx context.Context, options client.ContainerListOptions) (client.ContainerListResult, error)
	ContainerInspect(ctx context.Context, id string, options client.ContainerInspectOptions) (client.ContainerInspectResult, error)
	ImageInspect(ctx context.Context, id string, options ...client.ImageInspectOption) (client.ImageInspectResult, error)
}

// Collector reads the containers of one Docker or Podman daemon. It is
// safe for concurrent use; each Collect is an independent scan.
type Collector struct {
	api      engineAPI
	opts     Options
	host     string // the daemon URL as configured, possibly with userinfo
	endpoint string // host without userinfo
}

var _ collect.Collector = (*Collector)(nil)

// New validates opts and builds a collector for the daemon at opts.Host
// (or DOCKER_HOST, or the default socket). It does not contact the daemon.
func New(opts Options) (*Collector, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	host := resolveHost(opts.Host)
	if err := validateHost(host); err != nil {
		return nil, err
	}
	api, err := newAPIClient(host, opts.Concurrency, opts.CertPath)
	if err != nil {
		return nil, err
	}
	return &Collector{api: api, opts: opts, host: host, endpoint: redactEndpoint(host)}, nil
}

// Kind returns "docker" (also for Podman endpoints; assets carry the
// platform).
func (c *Collector) Kind() string { return Kind }

// Endpoint returns the daemon URL without credentials.
func (c *Collector) Endpoint() string { return c.endpoint }

// Close releases the client's idle connections (and ssh processes).
func (c *Collector) Close() error {
	if cl, ok := c.api.(interface{ Close() error }); ok {
		return cl.Close()
	}
	return nil
}

// Collect reads /info and /version concurrently with the container list,
// inspects every listed container and each distinct image once, with at
// most Options.Concurrency inspects in flight, then normalizes. Assets are
// sorted by id, notes and errors by text.
func (c *Collector) Collect(ctx context.Context) (*collect.Batch, error) {
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	host := c.startReadHost(ctx)
	list, err := c.listContainers(ctx)
	if err != nil {
		// No request of this scan may outlive it: a request still queued
		// when the caller closes the client would reopen a connection
		// that nothing ever closes.
		cancel()
		_, _ = host.wait()
		return nil, err
	}
	s := &scan{c: c, sem: make(chan struct{}, c.opts.Concurrency), images: map[string]*imageResult{}, refs: map[string]*refResult{}}
	s.inspectAll(ctx, list.Items)
	facts, err := host.wait()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("collect containers at %s: %w", c.endpoint, err)
	}
	batch := s.assemble(facts)
	c.opts.Logger.Debug().Str("endpoint", c.endpoint).Int("containers", len(list.Items)).
		Int("assets", len(batch.Assets)).Int("errors", len(batch.Errors)).Dur("took", time.Since(start)).
		Msg("docker scan done")
	return batch, nil
}

// listContainers runs the one container list of a scan.
func (c *Collector) listContainers(ctx context.Context) (client.ContainerListResult, error) {
	ctx, cancel := c.requestContext(ctx)
	defer cancel()
	list, err := c.api.ContainerList(ctx, client.ContainerListOptions{All: c.opts.All})
	if err != nil {
		return list, fmt.Errorf("list containers at %s: %w", c.endpoint, scrubHost(err, c.host))
	}
	return list, nil
}

// hostFuture is the host context being read from /info and /version.
type hostFuture struct {
	done chan struct{}
	host audit.Host
	err  error
}

func (f *hostFuture) wait() (audit.Host, error) {
	<-f.done
	return f.host, f.err
}

// startReadHost reads /info and /version concurrently, once per scan.
func (c *Collector) startReadHost(ctx context.Context) *hostFuture {
	f := &hostFuture{done: make(chan struct{})}
	var (
		info            client.SystemInfoResult
		version         client.ServerVersionResult
		infoErr, verErr error
		wg              sync.WaitGroup
	)
	wg.Go(func() {
		ctx, cancel := c.requestContext(ctx)
		defer cancel()
		info, infoErr = c.api.Info(ctx, client.InfoOptions{})
	})
	wg.Go(func() {
		ctx, cancel := c.requestContext(ctx)
		defer cancel()
		version, verErr = c.api.ServerVersion(ctx, client.ServerVersionOptions{})
	})
	go func() {
		defer close(f.done)
		wg.Wait()
		switch {
		case infoErr != nil:
			f.err = fmt.Errorf("read daemon info at %s: %w", c.endpoint, scrubHost(infoErr, c.host))
		case verErr != nil:
			f.err = fmt.Errorf("read daemon version at %s: %w", c.endpoint, scrubHost(verErr, c.host))
		default:
			f.host = HostFromDaemon(info.Info, version)
		}
	}()
	return f
}

// requestContext bounds one API request by Options.RequestTimeout.
func (c *Collector) requestContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.opts.RequestTimeout > 0 {
		return context.WithTimeout(ctx, c.opts.RequestTimeout)
	}
	return context.WithCancel(ctx)
}

// scan is the state of one Collect call: raw inspect results first, then
// (once the host is known) normalized assets.
type scan struct {
	c       *Collector
	sem     chan struct{}
	imageWG sync.WaitGroup // image inspects in flight

	mu        sync.Mutex
	images    map[string]*imageResult // by image id
	refs      map[string]*refResult   // by configured reference
	inspected []container.InspectResponse
	gone      []string // notes about objects removed during the scan
	failures  []failure
	// lost is set when the daemon stopped answering mid-scan (a refused
	// or reset connection): the remaining inspects are abandoned and the
	// loss is one error, not one per container.
	lost      error
	abandoned int
	stop      context.CancelFunc
}

// failure is an inspect that failed; assetName is "" for an image.
type failure struct {
	assetName, message string
}

// inspectAll inspects every listed container concurrently; images are
// prefetched from the list's image ids so they overlap.
func (s *scan) inspectAll(ctx context.Context, items []container.Summary) {
	for _, item := range items {
		s.prefetchImage(ctx, item.ImageID)
	}
	ctx, s.stop = context.WithCancel(ctx)
	defer s.stop()
	var wg sync.WaitGroup
	for _, item := range items {
		wg.Go(func() { s.inspectOne(ctx, item) })
	}
	wg.Wait()
	s.imageWG.Wait()
	if s.lost != nil {
		s.failures = append(s.failures, failure{message: fmt.Sprintf("daemon at %s lost during the scan: %d of %d containers inspected, %d abandoned: %v",
			s.c.endpoint, len(s.inspected), len(items), s.abandoned, scrubHost(s.lost, s.c.host))})
		return
	}
	s.resolveRefs(ctx)
}

// inspectOne inspects one container and makes sure its image is read.
func (s *scan) inspectOne(ctx context.Context, item container.Summary) {
	name := summaryName(item)
	res, err := s.inspectContainer(ctx, item.ID)
	switch {
	case err == nil:
		s.prefetchImage(ctx, res.Container.Image)
		s.mu.Lock()
		s.inspected = append(s.inspected, res.Container)
		s.mu.Unlock()
	case s.isLost(err):
	case ctx.Err() != nil: // Collect reports the cancellation once.
	case cerrdefs.IsNotFound(err):
		s.noteGone(fmt.Sprintf("container %s (%s) was removed before it could be inspected; skipped", name, shortID(item.ID)))
	default:
		s.fail(name, fmt.Sprintf("inspect container %s: %v", name, scrubHost(err, s.c.host)))
	}
}

// isLost records a failure that means the daemon is gone (it refuses or
// drops connections) and stops the other inspects; a container not
// inspected because of it counts as abandoned.
func (s *scan) isLost(err error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.lost != nil:
		s.abandoned++
		return true
	case client.IsErrConnectionFailed(err):
		s.lost = err
		s.abandoned++
		s.stop()
		return true
	}
	return false
}

func (s *scan) noteGone(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gone = append(s.gone, msg)
}

func (s *scan) fail(assetName, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, failure{assetName: assetName, message: msg})
}

// assemble normalizes the inspected containers for host and returns the
// sorted batch. It runs after every inspect has finished.
func (s *scan) assemble(host audit.Host) *collect.Batch {
	b := &collect.Batch{Assets: make([]audit.Asset, 0, len(s.inspected)), Notes: s.gone}
	prefix := host.Engine.Name + "://" + host.Hostname
	for _, in := range s.inspected {
		var labels map[string]string
		if in.Config != nil {
			labels = in.Config.Labels
		}
		normalized := NormalizeContainer(in, s.imageDoc(in.Image), host)
		if r := s.refs[normalized.Image.Ref]; r != nil {
			normalized.Image.RefChecked, normalized.Image.RefID = r.checked, r.id
		}
		b.Assets = append(b.Assets, containerAsset(normalized, labels, host.Engine.Name, prefix, s.c.endpoint, &host))
	}
	for _, f := range s.failures {
		e := audit.ScanError{Source: s.c.endpoint, Message: f.message}
		if f.assetName != "" {
			e.AssetID = prefix + "/" + f.assetName
		}
		b.Errors = append(b.Errors, e)
	}
	slices.SortFunc(b.Assets, func(x, y audit.Asset) int { return strings.Compare(x.ID, y.ID) })
	slices.SortFunc(b.Errors, func(x, y audit.ScanError) int {
		return cmp.Or(strings.Compare(x.AssetID, y.AssetID), strings.Compare(x.Message, y.Message))
	})
	slices.Sort(b.Notes)
	return b
}

// inspectContainer runs one bounded container inspect.
func (s *scan) inspectContainer(ctx context.Context, id string) (client.ContainerInspectResult, error) {
	if err := s.acquire(ctx); err != nil {
		return client.ContainerInspectResult{}, err
	}
	defer s.release()
	ctx, cancel := s.c.requestContext(ctx)
	defer cancel()
	return s.c.api.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
}

func (s *scan) acquire(ctx context.Context) error {
	select {
	case s.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *scan) release() { <-s.sem }

// summaryName is the list entry's primary name without its leading slash.
func summaryName(item container.Summary) string {
	for _, n := range item.Names {
		// Links add names such as "/other/alias"; the primary has one slash.
		if n = strings.TrimPrefix(n, "/"); !strings.Contains(n, "/") {
			return n
		}
	}
	return shortID(item.ID)
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
