package report

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/isoaudit/isoaudit/pkg/report/cef"
	reportjson "github.com/isoaudit/isoaudit/pkg/report/json"
	"github.com/isoaudit/isoaudit/pkg/report/junit"
	"github.com/isoaudit/isoaudit/pkg/report/ocsf"
	"github.com/isoaudit/isoaudit/pkg/report/prometheus"
	"github.com/isoaudit/isoaudit/pkg/report/sarif"
	"github.com/isoaudit/isoaudit/pkg/report/syslog"
	"github.com/isoaudit/isoaudit/pkg/report/table"
)

// Factory builds a Writer for one format from the shared Options.
type Factory func(opts Options) Writer

// formatName is what a format may be called: lower case, as typed after --format.
var formatName = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// Registry maps format names to writer factories. The zero value is not
// usable; call NewRegistry. A Registry is safe for concurrent use.
type Registry struct {
	mu        sync.RWMutex
	factories map[string]Factory
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{factories: make(map[string]Factory)}
}

// Register adds a format. The name must be lower case ([a-z][a-z0-9-]*);
// registering a name twice, or a nil factory, is an error.
func (r *Registry) Register(format string, f Factory) error {
	if !formatName.MatchString(format) {
		return fmt.Errorf("register output format %q: name must match %s", format, formatName)
	}
	if f == nil {
		return fmt.Errorf("register output format %q: nil factory", format)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.factories[format]; dup {
		return fmt.Errorf("register output format %q: already registered", format)
	}
	r.factories[format] = f
	return nil
}

// New returns the writer for format (matched case-insensitively). An
// unknown format is an error that lists the supported ones.
func (r *Registry) New(format string, opts Options) (Writer, error) {
	r.mu.RLock()
	f, ok := r.factories[strings.ToLower(strings.TrimSpace(format))]
	r.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("unknown output format %q (supported: %s)", format, strings.Join(r.Formats(), ", "))
	}
	return f(opts), nil
}

// Formats lists the registered format names, sorted.
func (r *Registry) Formats() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.factories))
	for name := range r.factories {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Builtin returns a new registry holding isoaudit's built-in formats. Each
// call returns a fresh registry, so a caller may add its own formats
// without touching the package default.
func Builtin() *Registry {
	r := NewRegistry()
	for _, b := range []struct {
		name string
		f    Factory
	}{
		{"json", func(Options) Writer { return reportjson.New() }},
		{"table", func(o Options) Writer { return table.New(table.Options{Color: o.Color, ShowPassed: o.ShowPassed}) }},
		{"sarif", func(Options) Writer { return sarif.New() }},
		{"ocsf", func(Options) Writer { return ocsf.New() }},
		{"junit", func(Options) Writer { return junit.New() }},
		{"cef", func(Options) Writer { return cef.New() }},
		{"syslog", func(Options) Writer { return syslog.New() }},
		{"prometheus", func(Options) Writer { return prometheus.New() }},
	} {
		if err := r.Register(b.name, b.f); err != nil {
			panic(err) // a duplicate built-in is a programming error; TestBuiltin catches it
		}
	}
	return r
}

// builtin backs New and Formats; it is never modified after initialization.
var builtin = Builtin()

// New returns the built-in writer for format; an unknown format is an
// error such as `unknown output format "x" (supported: cef, json, …)`.
func New(format string, opts Options) (Writer, error) { return builtin.New(format, opts) }

// Formats lists the built-in format names, sorted.
func Formats() []string { return builtin.Formats() }
