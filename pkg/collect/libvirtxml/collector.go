package libvirtxml

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect"
	"github.com/isoaudit/isoaudit/pkg/collect/files"
)

// Kind is the source kind reported for this collector.
const Kind = "libvirt-xml"

// Collector holds the domains and qemu.conf read from files. It is safe
// for concurrent use: Collect only reads what New loaded.
type Collector struct {
	opts    Options
	domains []domainFile
	errors  []audit.ScanError
	notes   []string
	virt    audit.VirtHost
}

var _ collect.Collector = (*Collector)(nil)

// domainFile is one parsed domain and the file it came from.
type domainFile struct {
	path string
	*parsed
}

// Result is what CollectVMs returns: the batch, and the VM document of
// each of its assets (VMs[i] belongs to Batch.Assets[i]) until
// audit.Asset carries a VM document itself, plus the host facts.
type Result struct {
	Batch *collect.Batch
	VMs   []*audit.VM
	Virt  audit.VirtHost
}

// New validates opts, then reads and parses every input at once, so a
// missing or unreadable input, or one where no domain could be read at
// all, is an input error reported before any scan starts. In a directory
// a malformed, oversized or unreadable file becomes a Batch.Errors entry
// naming it while the other files still produce assets; well-formed XML
// that is not a domain (networks/, storage pools) is skipped with a note.
// Errors are one line naming the file.
func New(opts Options) (*Collector, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	c := &Collector{opts: opts, virt: audit.VirtHost{QEMUConf: DefaultQEMUConfig()}}
	if opts.QEMUConfPath != "" {
		data, err := files.Read(opts.QEMUConfPath, opts.maxBytes())
		if err != nil {
			return nil, err
		}
		conf, notes, err := ParseQEMUConf(data)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", opts.QEMUConfPath, err)
		}
		conf.Path = opts.QEMUConfPath
		c.virt = audit.VirtHost{Known: true, QEMUConf: conf}
		for _, n := range notes {
			c.notes = append(c.notes, opts.QEMUConfPath+": "+n)
		}
	}
	if opts.Path != "" {
		if err := c.load(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Kind returns "libvirt-xml".
func (c *Collector) Kind() string { return Kind }

// Endpoint returns the domain XML path, or the qemu.conf path when only
// that was given.
func (c *Collector) Endpoint() string {
	if c.opts.Path != "" {
		return c.opts.Path
	}
	return c.opts.QEMUConfPath
}

// Virt returns the host facts read from qemu.conf (Known false without
// one). Each call returns a fresh copy.
func (c *Collector) Virt() audit.VirtHost {
	v := c.virt
	q := &v.QEMUConf
	q.Set, q.SecurityDriver, q.Namespaces = slices.Clone(q.Set), slices.Clone(q.SecurityDriver), slices.Clone(q.Namespaces)
	q.CgroupControllers, q.CgroupDeviceACL = slices.Clone(q.CgroupControllers), slices.Clone(q.CgroupDeviceACL)
	q.HugetlbfsMount, q.Raw = slices.Clone(q.HugetlbfsMount), maps.Clone(q.Raw)
	return v
}

// Collect normalizes the domains into assets sorted by id (without their
// VM documents: see CollectVMs). Each call returns fresh assets.
func (c *Collector) Collect(ctx context.Context) (*collect.Batch, error) {
	res, err := c.CollectVMs(ctx)
	if err != nil {
		return nil, err
	}
	return res.Batch, nil
}

// CollectVMs normalizes the domains into assets sorted by id and their VM
// documents, with the qemu.conf defaults folded in when one was read.
// Each call returns fresh values.
func (c *Collector) CollectVMs(ctx context.Context) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("collect %s: %w", c.Endpoint(), err)
	}
	var conf *audit.QEMUConfig
	if c.virt.Known {
		conf = &c.virt.QEMUConf
	}
	type pair struct {
		asset audit.Asset
		vm    *audit.VM
	}
	pairs := make([]pair, 0, len(c.domains))
	prefix := "libvirt://" + c.hostName() + "/"
	host := &audit.Host{Known: false, Virt: c.Virt()} // shared by the domains
	for _, d := range c.domains {
		vm := Normalize(d.parsed.dom, Context{State: d.state, SecretsVisible: d.secrets, QEMUConf: conf, passwd: d.passwd})
		pairs = append(pairs, pair{asset: audit.Asset{
			ID:       prefix + vm.Name,
			Name:     vm.Name,
			Kind:     audit.KindVM,
			Platform: audit.PlatformLibvirt,
			Source:   d.path,
			VM:       vm,
			Host:     host,
		}, vm: vm})
	}
	slices.SortFunc(pairs, func(x, y pair) int { return strings.Compare(x.asset.ID, y.asset.ID) })
	res := &Result{Batch: &collect.Batch{Assets: make([]audit.Asset, 0, len(pairs)),
		Errors: slices.Clone(c.errors), Notes: slices.Clone(c.notes)}, VMs: make([]*audit.VM, 0, len(pairs)), Virt: c.Virt()}
	for _, p := range pairs {
		res.Batch.Assets = append(res.Batch.Assets, p.asset)
		res.VMs = append(res.VMs, p.vm)
	}
	if c.virt.Known { // qemu.conf was given: the hypervisor's own settings are an asset too
		res.Batch.Assets = append(res.Batch.Assets, HostAsset(c.hostName(), c.opts.QEMUConfPath, audit.Host{Virt: c.Virt()}))
	}
	c.opts.Logger.Debug().Str("source", c.Endpoint()).Int("domains", len(pairs)).Int("errors", len(c.errors)).
		Msg("libvirt domain XML normalized")
	return res, nil
}

// HostAsset is the asset of a libvirt host's QEMU driver settings
// (qemu.conf), which the QC-* host checks read: id "libvirt://<host>",
// kind host, platform libvirt.
func HostAsset(hostname, source string, host audit.Host) audit.Asset {
	host.Hostname = hostname
	return audit.Asset{ID: "libvirt://" + hostname, Name: hostname, Kind: audit.KindHost,
		Platform: audit.PlatformLibvirt, Source: source, Host: &host}
}

// hostName is the host part of asset ids.
func (c *Collector) hostName() string { return files.HostName(c.opts.Host, c.opts.Path) }

// load reads Path: one file, or every *.xml file under a directory, each
// real file once (libvirt's autostart/ holds links to the domain files).
func (c *Collector) load() error {
	paths, single, errs, err := files.Inputs(c.opts.Path, ".xml")
	if err != nil {
		return err
	}
	if single {
		p, err := c.parseFile(paths[0])
		if err != nil {
			return err
		}
		c.domains = append(c.domains, domainFile{path: paths[0], parsed: p})
		return nil
	}
	for _, err := range errs {
		c.fileError(err)
	}
	c.parseAll(paths)
	if len(c.domains) == 0 && len(c.errors) > 0 {
		return fmt.Errorf("read %s: no domain could be read; %d of %d files failed, first: %s",
			c.opts.Path, len(c.errors), len(paths), c.errors[0].Message)
	}
	if len(paths) == 0 {
		c.notes = append(c.notes, "no *.xml files found")
	}
	return nil
}

// parseAll parses the files of a directory; a repeated domain name is
// noted and skipped so asset ids stay unique.
func (c *Collector) parseAll(paths []string) {
	byName := map[string]string{}
	for _, f := range paths {
		p, err := c.parseFile(f)
		switch {
		case errors.Is(err, errNotDomain):
			c.notes = append(c.notes, fmt.Sprintf("%s: skipped, %s", f, strings.TrimPrefix(err.Error(), "parse "+f+": ")))
			continue
		case err != nil:
			c.fileError(err)
			continue
		}
		if prev, dup := byName[p.dom.Name]; dup {
			c.notes = append(c.notes, fmt.Sprintf("%s repeats domain %s of %s; skipped", f, p.dom.Name, prev))
			continue
		}
		byName[p.dom.Name] = f
		c.domains = append(c.domains, domainFile{path: f, parsed: p})
	}
}

// parseFile reads and decodes one domain file.
func (c *Collector) parseFile(path string) (*parsed, error) {
	data, err := files.Read(path, c.opts.maxBytes())
	if err != nil {
		return nil, err
	}
	p, err := decodeDomain(data, c.opts.SecureXML)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return p, nil
}

func (c *Collector) fileError(err error) {
	c.errors = append(c.errors, audit.ScanError{Source: c.Endpoint(), Message: err.Error()})
}
