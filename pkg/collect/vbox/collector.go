package vbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect"
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
	for _, mf := range c.machines {
		vm := normalize(mf.file)
		batch.Assets = append(batch.Assets, audit.Asset{
			ID:       prefix + vm.Name,
			Name:     vm.Name,
			Kind:     audit.KindVM,
			Platform: audit.PlatformVirtualBox,
			Source:   mf.path,
			VM:       vm,
			Host:     audit.Host{Known: false},
		})
	}
	slices.SortFunc(batch.Assets, func(x, y audit.Asset) int { return strings.Compare(x.ID, y.ID) })
	c.opts.Logger.Debug().Str("source", c.Endpoint()).Int("machines", len(batch.Assets)).
		Int("errors", len(c.errors)).Msg("VirtualBox settings normalized")
	return batch, nil
}

// hostName is the host part of asset ids: Options.Host, else the base
// name of Path.
func (c *Collector) hostName() string {
	if c.opts.Host != "" {
		return c.opts.Host
	}
	p := c.opts.Path
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return filepath.Base(p)
}

// load reads Path: one file, or every *.vbox file under a directory.
func (c *Collector) load() error {
	info, err := os.Stat(c.opts.Path)
	if err != nil {
		return fmt.Errorf("read %s: %w", c.opts.Path, pathErrorCause(err))
	}
	if !info.IsDir() {
		f, err := c.parseFile(c.opts.Path)
		if err != nil {
			return err
		}
		c.machines = append(c.machines, machineFile{path: c.opts.Path, file: f})
		return nil
	}
	files, err := c.walk()
	if err != nil {
		return err
	}
	c.parseAll(files)
	if len(c.machines) == 0 && len(c.errors) > 0 {
		return fmt.Errorf("read %s: no machine could be read; %d of %d files failed, first: %s",
			c.opts.Path, len(c.errors), len(files), c.errors[0].Message)
	}
	if len(files) == 0 {
		c.notes = append(c.notes, "no *.vbox files found")
	}
	return nil
}

// walk lists the *.vbox files under Path in lexical order, each real file
// once: regular files first, then symbolic links to files not already
// listed. Unreadable subdirectories become errors; symbolic links to
// directories are not followed. Backups (.vbox-prev, .vbox-tmp) are not
// read.
func (c *Collector) walk() ([]string, error) {
	var files, links []string
	err := filepath.WalkDir(c.opts.Path, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil && path == c.opts.Path:
			return err
		case err != nil:
			c.fileError(fmt.Errorf("read %s: %w", path, pathErrorCause(err)))
			return nil
		case d.IsDir() || !strings.EqualFold(filepath.Ext(path), ".vbox"):
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			links = append(links, path)
			return nil
		}
		files = append(files, path)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", c.opts.Path, pathErrorCause(err))
	}
	seen := map[string]bool{}
	for _, f := range files {
		seen[realPath(f)] = true
	}
	for _, l := range links {
		info, err := os.Stat(l)
		switch {
		case err != nil:
			c.fileError(fmt.Errorf("read %s: %w", l, pathErrorCause(err)))
		case info.IsDir():
		case !seen[realPath(l)]:
			seen[realPath(l)] = true
			files = append(files, l)
		}
	}
	return files, nil
}

// realPath resolves symbolic links; on failure it returns path itself.
func realPath(path string) string {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return path
	}
	if abs, err := filepath.Abs(real); err == nil {
		return abs
	}
	return real
}

// parseAll parses the files of a directory; a repeated machine name is
// noted and skipped so asset ids stay unique.
func (c *Collector) parseAll(files []string) {
	byName := map[string]string{}
	for _, path := range files {
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
	data, err := readFile(path, c.opts.maxBytes())
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

// readFile returns a regular file's content, refusing more than limit
// bytes and anything that is not a regular file (a FIFO would block).
func readFile(path string, limit int64) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, pathErrorCause(err))
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("read %s: not a regular file", path)
	}
	if info.Size() > limit {
		return nil, fmt.Errorf("read %s: file is larger than the %s limit", path, formatSize(limit))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, pathErrorCause(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, pathErrorCause(err))
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("read %s: file is larger than the %s limit", path, formatSize(limit))
	}
	return data, nil
}

// pathErrorCause drops the path an *fs.PathError repeats.
func pathErrorCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func formatSize(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
