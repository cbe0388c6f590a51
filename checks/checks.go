// Package checks embeds isoaudit's built-in check library: one YAML file
// per check under container/ and vm/ (libvirt domains; later host/), plus
// mitigations.yaml, and the vulnerability tables under advisories/ that
// generate the CVE-* checks (pkg/advisory). checks/README.md documents the format and the
// container and host fields, docs/vm-document.md the vm document.
package checks

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"

	"github.com/isoaudit/isoaudit/pkg/advisory"
	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/catalog"
	"github.com/isoaudit/isoaudit/pkg/engine"
)

//go:embed container vm host mitigations.yaml
var files embed.FS

// advisories holds the vulnerability tables (advisories/*.yaml) that
// generate the CVE-* checks.
//
//go:embed advisories
var advisories embed.FS

// baseline is the document check fixtures are merged over.
//
//go:embed baseline.yaml
var baseline []byte

// Builtin loads and validates the embedded library: the checks for the
// given asset kinds, or all of them when none is given.
func Builtin(kinds ...audit.Kind) (*catalog.Catalog, error) {
	load := catalog.Load
	if len(kinds) > 0 {
		load = func(fsys fs.FS, label string) (*catalog.Catalog, error) {
			return catalog.LoadKinds(fsys, label, kinds...)
		}
	}
	cat, err := load(files, "checks")
	if err != nil {
		return nil, fmt.Errorf("load built-in checks: %w", err)
	}
	adv, err := AdvisoryChecks(kinds...)
	if err != nil {
		return nil, fmt.Errorf("load built-in checks: %w", err)
	}
	return catalog.Merge(cat, adv)
}

// AdvisoryTables returns the embedded vulnerability tables.
func AdvisoryTables() ([]*advisory.Table, error) {
	sub, err := fs.Sub(advisories, "advisories")
	if err != nil {
		return nil, err
	}
	return advisory.Load(sub, "checks/advisories")
}

// AdvisoryChecks returns the checks the embedded tables generate, for the
// given kinds (all when none is given).
func AdvisoryChecks(kinds ...audit.Kind) (*catalog.Catalog, error) {
	tables, err := AdvisoryTables()
	if err != nil {
		return nil, err
	}
	keep := tables[:0]
	for _, t := range tables {
		if len(kinds) == 0 || slices.Contains(kinds, t.Kind) {
			keep = append(keep, t)
		}
	}
	return catalog.FromChecks("checks/advisories", advisory.Checks(keep...))
}

// precompiled is the built-in library's expressions, type-checked and
// serialized (engine.Precompile); TestPrecompiledIsFresh keeps it in step
// with the YAML (`go test ./checks -update` rewrites it).
//
//go:embed precompiled.json
var precompiled []byte

// Precompiled returns the built-in expressions' compiled form, so a scan
// does not parse and type-check them again at start-up.
func Precompiled() (engine.Precompiled, error) {
	return engine.ParsePrecompiled(precompiled)
}

// Baseline returns the YAML document that every fixture is merged over: a
// hardened container on a known, rootful Docker host, and a hardened
// libvirt domain under the `vm` key.
func Baseline() []byte { return baseline }
