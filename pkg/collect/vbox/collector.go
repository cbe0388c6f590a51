package vbox

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
const Kind = "vbox"

// Collector holds the machines read from .vbox files. It is safe for
// concurrent use: Collect only reads what New loaded.
type Collector struct {
	opts     Options
	machines []machineFile
	errors   []audit.ScanError
	notes    []string
}

var _ collect.Collector = (*Collector)(nil)

// machineFile is one parsed settings file and the path it came from.
type machineFile struct {
	path string
	file *settingsFile
}

// New validates opts, then reads and parses every input at once, so a
// missing or unreadable input, or a directory where no machine could be
// read at all, is an input error reported before any scan starts. In a
// directory a malformed, oversized or unreadable file becomes a
// Batch.Errors entry naming it while the other files still produce
// assets; a machine name repeated in another file is noted and skipped.
// Errors are one line naming the file.
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

// Kind returns "vbox".
func (c *Collector) Kind() string { return Kind }

// Endpoint returns the .vbox file or directory given.
func (c *Collector) Endpoint() string { return c.opts.Path }

// Collect normalizes the machines into assets sorted by id, each carrying
// its VM document (Asset.VM) and an unknown host. Each call returns fresh
// values.
func (c *Collector) Collect(ctx context.Context) (*collect.Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("collect %s: %w", c.Endpoint(), err)
	}
	batch := &collect.Batch{Assets: make([]audit.Asset, 0, len(c.machines)),
		Errors: slices.Clone(c.errors), Notes: slices.Clone(c.notes)}
	prefix := "virtualbox://" + c.hostName() + "/"
	host := &audit.Host{Known: false} // offline: nothing is known of it; shared by the VMs
	for _, mf := range c.machines {
		vm := normalize(mf.file)
		if r, ok := hvversion.VBoxLog(filepath.Dir(mf.path)); ok {
			r.Apply(vm)
		}
		batch.Assets = append(batch.Assets, audit.Asset{
			ID:       prefix + vm.Name,
			Name:     vm.Name,
			Kind:     audit.KindVM,
			Platform: audit.PlatformVirtualBox,
			Source:   mf.path,
			VM:       vm,
			Host:     host,
		})
	}
	slices.SortFunc(batch.Assets, func(x, y audit.Asset) int { return strings.Compare(x.ID, y.ID) })
	c.opts.Logger.Debug().Str("source", c.Endpoint()).Int("machines", len(batch.Assets)).
		Int("errors", len(c.errors)).Msg("VirtualBox settings normalized")
	return batch, nil
}

// hostName is the host part of asset ids: Options.Host, else the base
// name of Path.
func (c *Collector) hostName() string { return files.HostName(c.opts.Host, c.opts.Path) }

// load reads Path: one file, or every *.vbox file under a directory.
// Backups (.vbox-prev, .vbox-tmp) are not read.
func (c *Collector) load() error {
	paths, single, errs, err := files.Inputs(c.opts.Path, ".vbox")
	if err != nil {
		return err
	}
	if single {
		f, err := c.parseFile(paths[0])
		if err != nil {
			return err
		}
		c.machines = append(c.machines, machineFile{path: paths[0], file: f})
		return nil
	}
	for _, err := range errs {
		c.fileError(err)
	}
	c.parseAll(paths)
	if len(c.machines) == 0 && len(c.errors) > 0 {
		return fmt.Errorf("read %s: no machine could be read; %d of %d files failed, first: %s",
			c.opts.Path, len(c.errors), len(paths), c.errors[0].Message)
	}
	if len(paths) == 0 {
		c.notes = append(c.notes, "no *.vbox files found")
	}
	return nil
}

// parseAll parses the files of a directory; a repeated machine name is
// noted and skipped so asset ids stay unique.
func (c *Collector) parseAll(paths []string) {
	byName := map[string]string{}
	for _, path := range paths {
		f, err := c.parseFile(path)
		if err != nil {
			c.fileError(err)
			continue
		}
		name := f.Machine.Name
		if prev, dup := byName[name]; dup {
			c.notes = append(c.notes, fmt.Sprintf("%s repeats machine %s of %s; skipped", path, name, prev))
			continue
		}
		byName[name] = path
		c.machines = append(c.machines, machineFile{path: path, file: f})
	}
}

// parseFile reads and decodes one settings file.
func (c *Collector) parseFile(path string) (*settingsFile, error) {
	data, err := files.Read(path, c.opts.maxBytes())
	if err != nil {
		return nil, err
	}
	f, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return f, nil
}

func (c *Collector) fileError(err error) {
	c.errors = append(c.errors, audit.ScanError{Source: c.Endpoint(), Message: err.Error()})
}
