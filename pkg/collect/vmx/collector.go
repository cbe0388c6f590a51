package vmx

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect"
	"github.com/isoaudit/isoaudit/pkg/collect/files"
	"github.com/isoaudit/isoaudit/pkg/collect/hvversion"
)

// Kind is the source kind reported for this collector.
const Kind = "vmx"

// Collector holds the .vmx files read by New. It is safe for concurrent
// use: Collect only reads what New loaded.
type Collector struct {
	opts   Options
	files  []vmxFile
	errors []audit.ScanError
	notes  []string
}

var _ collect.Collector = (*Collector)(nil)

// vmxFile is one parsed configuration and the file it came from.
type vmxFile struct {
	path string
	cfg  *Config
	// id is the asset id; name the VM name.
	id, name string
}

// New validates opts, then reads and parses every input at once, so a
// missing or unreadable input, or a directory where no .vmx could be read
// at all, is an input error reported before any scan starts. In a
// directory a malformed, encrypted, oversized or unreadable file becomes
// a Batch.Errors entry naming it while the other files still produce
// assets. Errors are one line naming the file and never hold a value of
// the file.
func New(opts Options) (*Collector, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	c := &Collector{opts: opts}
	if err := c.load(); err != nil {
		return nil, err
	}
	return c, nil
}

// Kind returns "vmx".
func (c *Collector) Kind() string { return Kind }

// Endpoint returns the .vmx file or directory path.
func (c *Collector) Endpoint() string { return c.opts.Path }

// Collect normalizes the configurations into VM assets (Asset.VM set),
// sorted by id. Each call returns fresh values.
func (c *Collector) Collect(ctx context.Context) (*collect.Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("collect %s: %w", c.Endpoint(), err)
	}
	b := &collect.Batch{Assets: make([]audit.Asset, 0, len(c.files)),
		Errors: slices.Clone(c.errors), Notes: slices.Clone(c.notes)}
	host := &audit.Host{Known: false} // offline: nothing is known of it; shared by the VMs
	for _, f := range c.files {
		vm, _ := Normalize(f.cfg, Context{FallbackName: f.name})
		if r, ok := hvversion.VMwareLog(filepath.Dir(f.path)); ok {
			r.Apply(vm)
		}
		b.Assets = append(b.Assets, audit.Asset{
			ID:       f.id,
			Name:     vm.Name,
			Kind:     audit.KindVM,
			Platform: audit.PlatformVMware,
			Source:   f.path,
			VM:       vm,
			Host:     host,
		})
	}
	slices.SortFunc(b.Assets, func(x, y audit.Asset) int { return strings.Compare(x.ID, y.ID) })
	c.opts.Logger.Debug().Str("source", c.Endpoint()).Int("vms", len(b.Assets)).Int("errors", len(c.errors)).
		Msg("VMware .vmx files normalized")
	return b, nil
}

// hostName is the host part of asset ids.
func (c *Collector) hostName() string { return files.HostName(c.opts.Host, c.opts.Path) }

// load reads Path: one file, or every *.vmx file under a directory.
func (c *Collector) load() error {
	paths, single, errs, err := files.Inputs(c.opts.Path, ".vmx")
	if err != nil {
		return err
	}
	if single {
		cfg, err := c.parseFile(paths[0])
		if err != nil {
			return err
		}
		c.add(paths[0], cfg)
		return nil
	}
	for _, err := range errs {
		c.fileError(err)
	}
	for _, f := range paths {
		cfg, err := c.parseFile(f)
		if err != nil {
			c.fileError(err)
			continue
		}
		c.add(f, cfg)
	}
	if len(c.files) == 0 && len(c.errors) > 0 {
		return fmt.Errorf("read %s: no .vmx file could be read; %d of %d files failed, first: %s",
			c.opts.Path, len(c.errors), len(paths), c.errors[0].Message)
	}
	if len(paths) == 0 {
		c.notes = append(c.notes, "no *.vmx files found")
	}
	return nil
}

// add records a parsed file, its notes, and a unique asset id: the first
// file with a display name gets "vmware://<host>/<name>"; another file
// with the same name (a copied VM) adds "#<path under the directory>".
func (c *Collector) add(path string, cfg *Config) {
	fallback := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	vm, notes := Normalize(cfg, Context{FallbackName: fallback})
	for _, n := range append(slices.Clone(cfg.Notes), notes...) {
		c.notes = append(c.notes, path+": "+n)
	}
	id := "vmware://" + c.hostName() + "/" + vm.Name
	for _, f := range c.files {
		if f.id == id {
			rel, err := filepath.Rel(c.opts.Path, path)
			if err != nil {
				rel = path
			}
			c.notes = append(c.notes, fmt.Sprintf("%s repeats display name %q of %s; its asset id adds the file path",
				path, vm.Name, f.path))
			id += "#" + filepath.ToSlash(rel)
			break
		}
	}
	c.files = append(c.files, vmxFile{path: path, cfg: cfg, id: id, name: fallback})
}

// parseFile reads and parses one .vmx file.
func (c *Collector) parseFile(path string) (*Config, error) {
	data, err := files.Read(path, c.opts.maxBytes())
	if err != nil {
		return nil, err
	}
	cfg, err := Parse(data)
	if err == nil {
		err = checkReadable(cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return cfg, nil
}

func (c *Collector) fileError(err error) {
	c.errors = append(c.errors, audit.ScanError{Source: c.Endpoint(), Message: err.Error()})
}
