package compose

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/rs/zerolog"

	"github.com/isoaudit/isoaudit/internal/oneline"
	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect"
	"github.com/isoaudit/isoaudit/pkg/collect/docker"
)

// Kind is the source kind reported for this collector.
const Kind = "compose"

// Options configure a Collector.
type Options struct {
	// Path is the Compose file. Files it extends are read relative to it,
	// and a .env file beside it feeds interpolation, as `docker compose`
	// does.
	Path string
	// Env holds the variables interpolation may read ("NAME=value"); nil
	// means none besides the .env file. Values are used only to resolve
	// the file and never enter the report.
	Env []string
	// Profiles are the profiles to audit; empty means every service,
	// whatever its profiles (a pre-deploy audit should see them all).
	Profiles []string
	Logger   zerolog.Logger
}

// DefaultOptions returns options that audit every service.
func DefaultOptions() Options { return Options{Logger: zerolog.Nop()} }

// Collector holds one loaded Compose project. It is safe for concurrent
// use.
type Collector struct {
	opts    Options
	project *types.Project
}

var _ collect.Collector = (*Collector)(nil)

// New loads and validates the Compose file at once (interpolation,
// extends, profiles, the compose-spec schema), so a broken file is an
// input error before any scan starts.
func New(opts Options) (*Collector, error) {
	if opts.Path == "" {
		return nil, errors.New("no compose file given")
	}
	if err := checkRefs(opts.Path); err != nil {
		return nil, err
	}
	profiles := opts.Profiles
	if len(profiles) == 0 {
		profiles = []string{"*"}
	}
	po, err := cli.NewProjectOptions([]string{opts.Path},
		cli.WithWorkingDirectory(filepath.Dir(opts.Path)),
		cli.WithEnv(opts.Env),
		cli.WithDotEnv,
		cli.WithProfiles(profiles),
		cli.WithoutEnvironmentResolution, // env_file values are never needed: names come from the file
	)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", opts.Path, err)
	}
	p, err := po.LoadProject(context.Background())
	if err != nil {
		return nil, fmt.Errorf("load %s: %s", opts.Path, oneline.String(err.Error()))
	}
	return &Collector{opts: opts, project: p}, nil
}

// Kind returns "compose".
func (c *Collector) Kind() string { return Kind }

// Endpoint returns the file path.
func (c *Collector) Endpoint() string { return c.opts.Path }

// Collect turns each service into a container asset, sorted by id,
// without host facts (Host.Known is false: nothing runs yet).
func (c *Collector) Collect(ctx context.Context) (*collect.Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("collect %s: %w", c.Endpoint(), err)
	}
	b := &collect.Batch{Assets: make([]audit.Asset, 0, len(c.project.Services))}
	prefix := "compose://" + filepath.Base(c.opts.Path)
	host := &audit.Host{Known: false} // offline: nothing is known of it; shared by the services
	for _, name := range slices.Sorted(mapKeys(c.project.Services)) {
		s := c.project.Services[name]
		doc, notes := inspectOf(c.project, s)
		for _, n := range notes {
			b.Notes = append(b.Notes, "service "+name+": "+n)
		}
		ct := docker.NormalizeContainer(doc, nil, audit.Host{})
		ct.Name = name
		b.Assets = append(b.Assets, audit.Asset{
			ID: prefix + "/" + name, Name: name, Kind: audit.KindContainer, Platform: "docker",
			Source: c.Endpoint(), Labels: docker.RedactLabels(doc.Config.Labels), Container: ct,
			Host: host,
		})
	}
	c.opts.Logger.Debug().Str("source", c.Endpoint()).Int("services", len(b.Assets)).Msg("compose file normalized")
	return b, nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func pathCause(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
