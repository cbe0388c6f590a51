package inspectfile

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect"
	"github.com/isoaudit/isoaudit/pkg/collect/docker"
	"github.com/isoaudit/isoaudit/pkg/collect/files"
)

// Kind is the source kind reported for this collector.
const Kind = "inspect-file"

// platform is the platform of every asset: `docker inspect` output.
const platform = "docker"

// Collector holds one decoded `docker inspect` JSON document until it is
// closed. It is safe for concurrent use.
type Collector struct {
	opts   Options
	mu     sync.Mutex
	elems  []element
	closed bool
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
	if err := c.decode(); err != nil {
		return nil, err
	}
	return c, nil
}

// decode reads and decodes the input. A regular file is streamed, never
// held whole; stdin and pipes are read (up to the limit) first.
func (c *Collector) decode() error {
	limit := c.opts.maxBytes()
	var err error
	switch info, serr := os.Stat(c.opts.Path); {
	case c.opts.Path == StdinPath:
		var data []byte
		if data, err = files.ReadCapped(c.opts.stdin(), c.Endpoint(), limit); err != nil {
			return err
		}
		c.elems, err = decodeDocuments(data)
	case serr == nil && info.Mode().IsRegular():
		f, _, oerr := files.Open(c.opts.Path, limit)
		if oerr != nil {
			return oerr
		}
		defer f.Close()
		in := &readErr{r: f}
		c.elems, err = decodeStream(in, func() ([]byte, error) { return files.Read(c.opts.Path, limit) })
		if in.err != nil { // the read failed (or the file outgrew the limit), not the parse
			return in.err
		}
	default:
		// A pipe named on the command line is opened without blocking
		// (a FIFO nobody writes to reads as empty instead of hanging).
		var data []byte
		if data, err = files.ReadFileOrPipe(c.opts.Path, limit); err != nil {
			return err
		}
		c.elems, err = decodeDocuments(data)
	}
	if err != nil {
		return fmt.Errorf("parse %s: %w", c.Endpoint(), err)
	}
	return nil
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
	c.mu.Lock()
	elems, closed := c.elems, c.closed
	c.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("collect %s: collector closed", c.Endpoint())
	}
	batch := c.assets(elems)
	c.opts.Logger.Debug().Str("source", c.Endpoint()).Int("containers", len(elems)).Msg("inspect file normalized")
	return batch, nil
}

// Close releases the decoded documents (the assets already collected
// keep theirs); Collect fails afterwards. A scan closes each source once
// it is read, so a large input is not held for the rest of the scan.
func (c *Collector) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.elems, c.closed = nil, true
	return nil
}

// readErr remembers the first error of its reader other than EOF.
type readErr struct {
	r   io.Reader
	err error
}

func (e *readErr) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
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
