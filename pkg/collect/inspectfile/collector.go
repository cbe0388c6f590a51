package inspectfile

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect"
	"github.com/isoaudit/isoaudit/pkg/collect/docker"
	"github.com/isoaudit/isoaudit/pkg/collect/files"
)

// Kind is the source kind reported for this collector.
const Kind = "inspect-file"

// platform is the platform of every asset: `docker inspect` output.
const platform = "docker"

// Collector holds one decoded `docker inspect` JSON document. It is safe
// for concurrent use.
type Collector struct {
	opts  Options
	elems []element
}

var _ collect.Collector = (*Collector)(nil)

// New validates opts, then reads and decodes the input (the file, or stdin
// for "-") at once, so a missing, oversized or malformed input is an input
// error reported before any scan starts. The input is an array of
// container inspect documents (as `docker inspect` prints) or a single
// one; an empty array is valid. Errors are one line naming the input and
// the problem, with the line and column of a syntax error.
func New(opts Options) (*Collector, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	c := &Collector{opts: opts}
	data, err := c.read()
	if err != nil {
		return nil, err
	}
	if c.elems, err = decodeDocuments(data); err != nil {
		return nil, fmt.Errorf("parse %s: %w", c.Endpoint(), err)
	}
	return c, nil
}

// Kind returns "inspect-file".
func (c *Collector) Kind() string { return Kind }

// Endpoint returns the file path, or "stdin".
func (c *Collector) Endpoint() string {
	if c.opts.Path == StdinPath {
		return "stdin"
	}
	return c.opts.Path
}

// Collect normalizes the decoded containers into assets sorted by id,
// without host facts (Host.Known is false offline). Each call returns
// fresh assets.
func (c *Collector) Collect(ctx context.Context) (*collect.Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("collect %s: %w", c.Endpoint(), err)
	}
	batch := c.assets(c.elems)
	c.opts.Logger.Debug().Str("source", c.Endpoint()).Int("containers", len(c.elems)).Msg("inspect file normalized")
	return batch, nil
}

// read returns the whole input, refusing more than MaxBytes.
func (c *Collector) read() ([]byte, error) {
	limit := c.opts.maxBytes()
	if c.opts.Path != StdinPath {
		// A regular file is checked against the limit before it is
		// read; a pipe is read without blocking on a missing writer.
		return files.ReadFileOrPipe(c.opts.Path, limit)
	}
	return files.ReadCapped(c.opts.stdin(), c.Endpoint(), limit)
}

// assets builds the assets of the normalized documents (which they
// share: documents are never modified after New); a repeated container
// name is noted and skipped so asset ids stay unique.
func (c *Collector) assets(elems []element) *collect.Batch {
	b := &collect.Batch{Assets: make([]audit.Asset, 0, len(elems))}
	prefix := "inspect://" + c.baseName()
	seen := make(map[string]bool, len(elems))
	host := &audit.Host{Known: false} // offline: nothing is known of it; shared by the containers
	for i, e := range elems {
		n := e.n
		if seen[n.Name] {
			b.Notes = append(b.Notes, fmt.Sprintf("element %d repeats container %s; skipped", i+1, n.Name))
			continue
		}
		seen[n.Name] = true
		b.Assets = append(b.Assets, audit.Asset{
			ID:        prefix + "/" + n.Name,
			Name:      n.Name,
			Kind:      audit.KindContainer,
			Platform:  platform,
			Source:    c.Endpoint(),
			Labels:    docker.RedactLabels(e.labels),
			Container: n,
			Host:      host,
		})
	}
	slices.SortFunc(b.Assets, func(x, y audit.Asset) int { return strings.Compare(x.ID, y.ID) })
	return b
}

// baseName is the file's base name, or "stdin".
func (c *Collector) baseName() string {
	if c.opts.Path == StdinPath {
		return "stdin"
	}
	return filepath.Base(c.opts.Path)
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
