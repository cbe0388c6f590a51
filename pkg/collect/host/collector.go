package host

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/klauspost/cpuid/v2"
	"github.com/rs/zerolog"
	ghost "github.com/shirou/gopsutil/v4/host"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect"
	"github.com/isoaudit/isoaudit/pkg/collect/pkgdb"
)

// Kind is the source kind in reports.
const Kind = "host"

// Platform is the platform of host assets.
const Platform = audit.PlatformLinux

// Options configure the collector.
type Options struct {
	// Root is the root filesystem to audit: "/" (the default) is the
	// running machine; any other directory is a mounted root filesystem
	// (an image or offline disk), read without running anything from it.
	Root string
	// Self adds what this process can do (SelfView); live only.
	Self bool
	// DockerAPI asks the local Docker daemon's /info and /version over its
	// socket (live only), for engine and runtime versions.
	DockerAPI bool
	// Now is the clock for end-of-life and index age (default time.Now).
	Now    func() time.Time
	Logger zerolog.Logger
}

// DefaultOptions audits the running machine, asking the local daemon.
func DefaultOptions() Options {
	return Options{Root: "/", DockerAPI: true, Now: time.Now, Logger: zerolog.Nop()}
}

// Collector reads one host asset.
type Collector struct {
	opts Options
	root string
}

// New validates opts: Root must be a readable directory; Self needs the
// live machine.
func New(opts Options) (*Collector, error) {
	if opts.Root == "" {
		opts.Root = "/"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("root %s: %w", opts.Root, err)
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("root %s: %w", opts.Root, errors.Unwrap(err))
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("root %s: not a directory", opts.Root)
	}
	if opts.Self && root != "/" {
		return nil, errors.New("the self view reads the running process; it cannot be combined with a root directory")
	}
	return &Collector{opts: opts, root: root}, nil
}

// Kind implements collect.Collector.
func (c *Collector) Kind() string { return Kind }

// Endpoint is "local" for the running machine, else "root:DIR".
func (c *Collector) Endpoint() string {
	if c.root == "/" {
		return "local"
	}
	return "root:" + c.root
}

// collector is the state of one collection.
type collector struct {
	fs      fsys
	opts    Options
	offline bool
	eol     eolTable
	notes   []string
	// release is the os-release key; installed every dpkg package's
	// version, read once; procs the visible processes (pid → command).
	release   string
	installed map[string]string
	procs     map[string]string
}

// pkgVersions returns the installed version of the named packages.
func (c *collector) pkgVersions(names ...string) map[string]string {
	if c.installed == nil {
		c.installed, _ = pkgdb.DpkgVersions(c.fs.root)
		if c.installed == nil {
			c.installed = map[string]string{}
		}
	}
	out := map[string]string{}
	for _, n := range names {
		if v, ok := c.installed[n]; ok {
			out[n] = v
		}
	}
	return out
}

// pkg is pkgdb.Package over the cached database: "<release>:<version>"
// of the first of names installed.
func (c *collector) pkg(names ...string) string {
	return pkgdb.Pick(c.release, c.pkgVersions(names...), names...)
}

// processList returns pid → command name of the processes under /proc.
func (c *collector) processList() map[string]string {
	if c.procs == nil {
		c.procs = map[string]string{}
		for _, p := range c.fs.glob("/proc/[0-9]*/comm") {
			if n := c.fs.line(p); n != "" {
				c.procs[strings.TrimSuffix(strings.TrimPrefix(p, "/proc/"), "/comm")] = n
			}
		}
	}
	return c.procs
}

// runtimePackages are the distribution packages of each runtime product
// (Debian and Ubuntu names; Docker's own repository names too).
var runtimePackages = map[string][]string{
	"runc":       {"runc"},
	"containerd": {"containerd", "containerd.io"},
	"docker":     {"docker.io", "docker-ce", "moby-engine"},
	"qemu":       {"qemu-system-x86", "qemu-system-arm", "qemu-kvm"},
}

// Collect reads the host asset. Unreadable facts stay empty and the
// checks that need them report unknown; only an unusable root fails.
func (c *Collector) Collect(ctx context.Context) (*collect.Batch, error) {
	col := &collector{fs: fsys{root: c.root}, opts: c.opts, offline: c.root != "/"}
	eol, err := loadEOL()
	if err != nil {
		return nil, err
	}
	col.eol = eol
	now := c.opts.Now()
	h := audit.Host{Known: true, Scope: "machine", OS: "linux", LSMs: []string{}, Packages: map[string]string{}}
	virt := audit.Virtualization{Layers: []audit.VirtLayer{}, Signals: []string{}}
	cpuidVendor, cpuidHV := "", false
	if !col.offline {
		info, err := ghost.InfoWithContext(ctx)
		if err == nil {
			h.Hostname, h.Kernel, h.Arch = info.Hostname, info.KernelVersion, info.KernelArch
			if info.VirtualizationSystem != "" {
				virt.Gopsutil = strings.TrimSpace(info.VirtualizationSystem + " " + info.VirtualizationRole)
			}
		} else {
			col.notes = append(col.notes, "gopsutil host info: "+err.Error())
		}
		cpuidHV = cpuid.CPU.VM()
		cpuidVendor = strings.TrimRight(cpuid.CPU.HypervisorVendorString, "\x00")
	}
	if h.Hostname == "" {
		h.Hostname = col.fs.line("/etc/hostname")
	}
	if h.Hostname == "" {
		h.Hostname = "localhost"
	}
	h.Release = col.osRelease(now)
	col.release = h.Release.Key
	if h.Release.PrettyName != "" {
		h.OS = h.Release.PrettyName
	}
	col.kernel(&h, h.Release.Key)
	for product, names := range runtimePackages {
		if p := col.pkg(names...); p != "" {
			h.Packages[product] = p
		}
	}
	if vm, sig := col.detectVM(cpuidVendor, cpuidHV); vm != nil || len(sig) > 0 {
		virt.Signals = append(virt.Signals, sig...)
		if vm != nil {
			virt.Guest, virt.Hypervisor = true, vm.Technology
			virt.Layers = append(virt.Layers, *vm)
		}
	}
	if ct, sig := col.detectContainer(); ct != nil || len(sig) > 0 {
		virt.Signals = append(virt.Signals, sig...)
		if ct != nil {
			virt.Container, virt.ContainerRuntime = true, ct.Technology
			virt.Layers = append(virt.Layers, *ct)
		}
	}
	if virt.Gopsutil != "" {
		virt.Signals = append(virt.Signals, "gopsutil: "+virt.Gopsutil)
	}
	h.Virtualization = virt
	h.CPU = col.cpu()
	h.KVM = col.kvm()
	procs := col.processes()
	h.Guest = col.guest(procs)
	h.Updates = col.updates(now)
	if virt.Container {
		// Inside a container the daemon's files are the host's, not this
		// root's: a daemon.json here (or none) would misreport it.
		h.Daemon = audit.DockerDaemon{Sources: []string{}, Hosts: []string{}, AuthorizationPlugins: []string{},
			Socket: audit.DaemonSocket{GroupMembers: []string{}}}
		col.notes = append(col.notes, "running in a container: the Docker daemon's configuration is not read (audit the host)")
	} else {
		col.dockerDaemon(ctx, &h)
		h.ContainerdCRI = col.containerdCRI()
	}
	if c.opts.Self {
		h.Self = col.self()
	}
	fillEngineFromPackages(&h)
	asset := audit.Asset{
		ID:       c.assetID(h.Hostname),
		Name:     h.Hostname,
		Kind:     audit.KindHost,
		Platform: Platform,
		Source:   c.Endpoint(),
		Labels:   labels(&h),
		Host:     &h,
	}
	return &collect.Batch{Assets: []audit.Asset{asset}, Notes: col.notes}, nil
}

// fillEngineFromPackages gives the runtime versions from the installed
// packages when no daemon answered: the upstream part of the package
// version ("1.1.5+ds1-1+deb12u1" → "1.1.5+ds1").
func fillEngineFromPackages(h *audit.Host) {
	upstream := func(product string) string {
		p := h.Packages[product]
		if p == "" {
			return ""
		}
		_, v, _ := strings.Cut(p, ":")
		if _, rest, ok := strings.Cut(v, ":"); ok { // epoch
			v = rest
		}
		if i := strings.LastIndex(v, "-"); i > 0 {
			v = v[:i]
		}
		return v
	}
	if h.Engine.Version == "" {
		if v := upstream("docker"); v != "" {
			h.Engine.Name, h.Engine.Version = "docker", v
		}
	}
	if h.Engine.ContainerdVersion == "" {
		h.Engine.ContainerdVersion = upstream("containerd")
	}
	if h.Engine.RuncVersion == "" {
		h.Engine.RuncVersion = upstream("runc")
	}
	if h.Engine.Runtimes == nil {
		h.Engine.Runtimes = []string{}
	}
	if h.Engine.SecurityOptions == nil {
		h.Engine.SecurityOptions = []string{}
	}
}

// labels summarize the host for reports: the layers, kernel and runtimes.
func labels(h *audit.Host) map[string]string {
	l := map[string]string{"kernel": h.Kernel, "os": h.OS}
	if h.KernelPackage != "" {
		l["kernel_package"] = h.KernelPackage
	}
	var layers []string
	for _, x := range h.Virtualization.Layers {
		layers = append(layers, x.Technology+" "+map[string]string{"vm": "guest", "container": "container"}[x.Kind]+" ("+x.DecidedBy+")")
	}
	if len(layers) == 0 {
		layers = append(layers, "bare metal (no virtualization signal)")
	}
	l["virtualization"] = strings.Join(layers, " > ")
	for k, v := range map[string]string{"engine": h.Engine.Version, "containerd": h.Engine.ContainerdVersion, "runc": h.Engine.RuncVersion} {
		if v != "" {
			l[k] = v
		}
	}
	return l
}

// assetID is "linux://HOST" for the running machine and
// "linux://HOST/root:DIR" for a mounted root filesystem, so both can be
// audited in one report.
func (c *Collector) assetID(hostname string) string {
	if c.root == "/" {
		return Platform + "://" + hostname
	}
	return Platform + "://" + hostname + "/root:" + c.root
}
