package libvirt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	golibvirt "github.com/digitalocean/go-libvirt"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect"
	"github.com/isoaudit/isoaudit/pkg/collect/files"
	"github.com/isoaudit/isoaudit/pkg/collect/libvirtxml"
	"github.com/isoaudit/isoaudit/pkg/collect/pkgdb"
)

// QEMUPackages and LibvirtPackages are the Debian/Ubuntu packages that
// install the QEMU system emulator and libvirtd, in preference order.
var (
	QEMUPackages    = []string{"qemu-system-x86", "qemu-system-arm", "qemu-system-misc", "qemu-kvm"}
	LibvirtPackages = []string{"libvirt-daemon", "libvirt-daemon-system"}
)

// Kind is the source kind reported for this collector.
const Kind = "libvirt"

// maxQEMUConfBytes caps the qemu.conf read (it is a few KiB).
const maxQEMUConfBytes = libvirtxml.DefaultMaxBytes

// Collector reads the domains of one libvirtd. It is safe for concurrent
// use; each Collect opens its own connection and is an independent scan.
type Collector struct {
	opts     Options
	target   target
	endpoint string
	dial     dialFunc
	qemuConf *audit.QEMUConfig // nil without QEMUConfPath
	notes    []string          // from qemu.conf parsing
}

var _ collect.Collector = (*Collector)(nil)

// New validates opts and reads QEMUConfPath when given (an unreadable or
// malformed file is an error naming it). It does not contact libvirtd.
func New(opts Options) (*Collector, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	t, err := parseTarget(opts.uri(), opts.socket(), opts)
	if err != nil {
		return nil, err
	}
	if !t.local {
		// The package database here says nothing about a remote host.
		opts.PackageRoot = ""
	}
	c := &Collector{opts: opts, target: t, dial: dialRPC}
	c.endpoint = t.display
	if p := opts.QEMUConfPath; p != "" {
		data, err := files.Read(p, maxQEMUConfBytes)
		if err != nil {
			return nil, err
		}
		conf, notes, err := libvirtxml.ParseQEMUConf(data)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", p, err)
		}
		conf.Path = p
		c.qemuConf = &conf
		for _, n := range notes {
			c.notes = append(c.notes, p+": "+n)
		}
	}
	return c, nil
}

// Local reports whether the daemon is reached over a local UNIX socket,
// so its host's files (qemu.conf, packages) are this machine's.
func (c *Collector) Local() bool { return c.target.local }

// Kind returns "libvirt".
func (c *Collector) Kind() string { return Kind }

// Endpoint returns the URI and the socket it is opened over,
// "qemu:///system (socket /var/run/libvirt/libvirt-sock-ro)", or the
// remote URI with its resolved port ("qemu+tls://hv1:16514/system").
func (c *Collector) Endpoint() string { return c.endpoint }

// Collect connects, reads the libvirt and QEMU versions and the host name
// once, lists the running and defined domains, reads each one's XML
// (without secrets) and state with at most Options.Concurrency reads in
// flight, and normalizes them with libvirtxml.NormalizeXML. Assets are
// sorted by id; a domain undefined during the scan is a note, a domain
// that cannot be read or parsed a Batch.Errors entry.
func (c *Collector) Collect(ctx context.Context) (*collect.Batch, error) {
	start := time.Now()
	dctx, cancel := c.requestContext(ctx)
	lv, err := c.dial(dctx, c.target)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("connect to libvirt at %s: %w", c.endpoint, oneLine(err))
	}
	defer func() { _ = lv.Close() }()
	s := &scan{c: c, lv: lv}

	virt, hostname, err := s.readHost(ctx)
	if err != nil {
		return nil, err
	}
	doms, err := call(ctx, s, lv.ListDomains)
	if err != nil {
		return nil, fmt.Errorf("list domains at %s: %w", c.endpoint, oneLine(err))
	}
	s.readAll(ctx, doms, virt, hostname)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("collect domains at %s: %w", c.endpoint, err)
	}
	if s.lost != nil {
		s.errs = append(s.errs, audit.ScanError{Source: c.endpoint, Message: fmt.Sprintf(
			"libvirtd at %s lost during the scan: %d of %d domains read, %d abandoned: %s",
			c.endpoint, len(s.assets), len(doms), s.abandoned, oneLine(s.lost))})
	}
	b := s.batch()
	// The hypervisor's own settings (qemu.conf, versions) are an asset
	// too: the QC-* host checks read it.
	host := libvirtxml.HostAsset(hostname, c.endpoint, audit.Host{Known: true, Virt: cloneVirt(virt)})
	b.Assets = append([]audit.Asset{host}, b.Assets...)
	c.opts.Logger.Debug().Str("endpoint", c.endpoint).Int("domains", len(doms)).Int("assets", len(b.Assets)).
		Int("errors", len(b.Errors)).Dur("took", time.Since(start)).Msg("libvirt scan done")
	return b, nil
}

// requestContext bounds one request by Options.RequestTimeout.
func (c *Collector) requestContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.opts.RequestTimeout > 0 {
		return context.WithTimeout(ctx, c.opts.RequestTimeout)
	}
	return context.WithCancel(ctx)
}

// scan is the state of one Collect call.
type scan struct {
	c  *Collector
	lv conn

	mu     sync.Mutex
	assets []audit.Asset
	errs   []audit.ScanError
	notes  []string
	// lost is the first connection-level failure (libvirtd restarted,
	// the connection dropped or a request timed out, which closes it):
	// later reads are abandoned and the loss is one error.
	lost      error
	abandoned int
}

// call runs one RPC bounded by the request timeout. go-libvirt calls take
// no context: on timeout or cancellation the connection is closed, which
// fails the call (and every other in flight).
func call[T any](ctx context.Context, s *scan, fn func() (T, error)) (T, error) {
	ctx, cancel := s.c.requestContext(ctx)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		go func() { _ = s.lv.Close() }()
		var zero T
		return zero, ctx.Err()
	}
}

// readHost reads the versions and the host name libvirtd reports.
func (s *scan) readHost(ctx context.Context) (audit.VirtHost, string, error) {
	ep := s.c.endpoint
	lib, err := call(ctx, s, s.lv.LibVersion)
	if err != nil {
		return audit.VirtHost{}, "", fmt.Errorf("read libvirt version at %s: %w", ep, oneLine(err))
	}
	hv, err := call(ctx, s, s.lv.HypervisorVersion)
	if err != nil {
		return audit.VirtHost{}, "", fmt.Errorf("read hypervisor version at %s: %w", ep, oneLine(err))
	}
	host, err := call(ctx, s, s.lv.Hostname)
	if err != nil {
		return audit.VirtHost{}, "", fmt.Errorf("read host name at %s: %w", ep, oneLine(err))
	}
	virt := audit.VirtHost{Known: true, LibvirtVersion: FormatVersion(lib), QEMUVersion: FormatVersion(hv),
		QEMUConf: libvirtxml.DefaultQEMUConfig()}
	if q := s.c.qemuConf; q != nil {
		virt.QEMUConf = *q
	}
	if s.c.opts.PackageRoot != "" {
		// The daemon is on this machine: its packages say which
		// distribution fixes the upstream version number hides.
		root := s.c.opts.PackageRoot
		if installed, err := pkgdb.DpkgVersions(root, append(slices.Clone(QEMUPackages), LibvirtPackages...)...); err == nil {
			rel := pkgdb.Release(root)
			virt.QEMUPackage = pkgdb.Pick(rel, installed, QEMUPackages...)
			virt.LibvirtPackage = pkgdb.Pick(rel, installed, LibvirtPackages...)
		}
	}
	if strings.TrimSpace(host) == "" {
		host, _ = os.Hostname()
	}
	return virt, host, nil
}

// readAll reads and normalizes every domain, Concurrency at a time.
func (s *scan) readAll(ctx context.Context, doms []golibvirt.Domain, virt audit.VirtHost, hostname string) {
	sem := make(chan struct{}, s.c.opts.Concurrency)
	var wg sync.WaitGroup
	for _, d := range doms {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return
		}
		if s.isLost() {
			<-sem
			s.mu.Lock()
			s.abandoned++
			s.mu.Unlock()
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			s.readDomain(ctx, d, virt, hostname)
		})
	}
	wg.Wait()
}

// readDomain reads one domain's XML and state and normalizes it.
func (s *scan) readDomain(ctx context.Context, d golibvirt.Domain, virt audit.VirtHost, hostname string) {
	id := "libvirt://" + hostname + "/" + d.Name
	x, err := call(ctx, s, func() (string, error) { return s.lv.DomainXML(d) })
	if err == nil {
		var st golibvirt.DomainState
		st, err = call(ctx, s, func() (golibvirt.DomainState, error) { return s.lv.DomainState(d) })
		if err == nil {
			s.add(id, d.Name, x, StateName(st), virt)
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if isNotFound(err) {
		s.notes = append(s.notes, fmt.Sprintf("domain %s was undefined before it could be read; skipped", d.Name))
		return
	}
	if s.lost != nil || (!isRPCError(err) && ctx.Err() == nil) {
		if s.lost == nil {
			s.lost = err
		}
		s.abandoned++
		return
	}
	s.errs = append(s.errs, audit.ScanError{Source: s.c.endpoint, AssetID: id,
		Message: fmt.Sprintf("read domain %s: %s", d.Name, oneLine(err))})
}

func (s *scan) isLost() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lost != nil
}

// isRPCError reports whether libvirtd itself answered err (a domain
// error), as opposed to the connection failing under the call.
func isRPCError(err error) bool {
	var e golibvirt.Error
	var pe *golibvirt.Error
	return errors.As(err, &e) || errors.As(err, &pe)
}

// add normalizes one domain's XML into an asset.
func (s *scan) add(id, name, xml, state string, virt audit.VirtHost) {
	var conf *audit.QEMUConfig
	if virt.QEMUConf.Known {
		conf = &virt.QEMUConf
	}
	vm, err := libvirtxml.NormalizeXML([]byte(xml), libvirtxml.Context{State: state, QEMUConf: conf})
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.errs = append(s.errs, audit.ScanError{Source: s.c.endpoint, AssetID: id,
			Message: fmt.Sprintf("parse domain %s: %s", name, err)})
		return
	}
	if vm.Hypervisor.Product == "qemu" && virt.QEMUVersion != "" {
		vm.Hypervisor.Version, vm.Hypervisor.VersionSource = virt.QEMUVersion, "libvirt"
		vm.Hypervisor.Package = virt.QEMUPackage
	}
	s.assets = append(s.assets, audit.Asset{
		ID:       id,
		Name:     name,
		Kind:     audit.KindVM,
		Platform: audit.PlatformLibvirt,
		Source:   s.c.endpoint,
		VM:       vm,
		Host:     &audit.Host{Known: true, Hostname: strings.TrimSuffix(strings.TrimPrefix(id, "libvirt://"), "/"+name), Virt: cloneVirt(virt)},
	})
}

// batch assembles the sorted result.
func (s *scan) batch() *collect.Batch {
	s.mu.Lock()
	defer s.mu.Unlock()
	slices.SortFunc(s.assets, func(x, y audit.Asset) int { return strings.Compare(x.ID, y.ID) })
	slices.SortFunc(s.errs, func(x, y audit.ScanError) int { return strings.Compare(x.Message, y.Message) })
	notes := append(slices.Clone(s.c.notes), s.notes...)
	slices.Sort(notes)
	return &collect.Batch{Assets: s.assets, Errors: s.errs, Notes: notes}
}

// cloneVirt copies the slices and map of v, so assets share nothing.
func cloneVirt(v audit.VirtHost) audit.VirtHost {
	q := &v.QEMUConf
	q.Set, q.SecurityDriver, q.Namespaces = slices.Clone(q.Set), slices.Clone(q.SecurityDriver), slices.Clone(q.Namespaces)
	q.CgroupControllers, q.CgroupDeviceACL = slices.Clone(q.CgroupControllers), slices.Clone(q.CgroupDeviceACL)
	q.HugetlbfsMount = slices.Clone(q.HugetlbfsMount)
	if q.Raw != nil {
		raw := make(map[string]string, len(q.Raw))
		for k, val := range q.Raw {
			raw[k] = val
		}
		q.Raw = raw
	}
	return v
}

// FormatVersion renders libvirt's version encoding
// (major*1,000,000 + minor*1,000 + release) as "9.0.0"; 0 is "".
func FormatVersion(v uint64) string {
	if v == 0 {
		return ""
	}
	return fmt.Sprintf("%d.%d.%d", v/1000000, v/1000%1000, v%1000)
}

// StateName maps a libvirt domain state to the VM document's vocabulary
// ("" for no state or an unknown value).
func StateName(st golibvirt.DomainState) string {
	switch st {
	case golibvirt.DomainRunning:
		return "running"
	case golibvirt.DomainBlocked:
		return "blocked"
	case golibvirt.DomainPaused:
		return "paused"
	case golibvirt.DomainShutdown:
		return "shutdown"
	case golibvirt.DomainShutoff:
		return "shutoff"
	case golibvirt.DomainCrashed:
		return "crashed"
	case golibvirt.DomainPmsuspended:
		return "pmsuspended"
	}
	return ""
}

// oneLine renders err on one line.
func oneLine(err error) error {
	if err == nil {
		return nil
	}
	msg := strings.Join(strings.Fields(err.Error()), " ")
	if msg == err.Error() {
		return err
	}
	return fmt.Errorf("%s", msg)
}
