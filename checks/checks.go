// Package checks embeds isoaudit's built-in check library: one YAML file
// per check under container/ and vm/ (libvirt domains; later host/), plus
// mitigations.yaml. checks/README.md documents the format and the
// container and host fields, docs/vm-document.md the vm document.
package checks

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/catalog"
	"github.com/isoaudit/isoaudit/pkg/engine"
)

//go:embed container vm mitigations.yaml
var files embed.FS

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
	return catalog.Merge(cat)
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
