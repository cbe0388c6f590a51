// Package checks embeds isoaudit's built-in check library: one YAML file
// per check under container/ (and later vm/, host/), plus mitigations.yaml.
// checks/README.md documents the format and every document field.
package checks

import (
	"embed"
	"fmt"

	"github.com/isoaudit/isoaudit/pkg/catalog"
)

//go:embed container mitigations.yaml
var files embed.FS

// baseline is the document check fixtures are merged over.
//
//go:embed baseline.yaml
var baseline []byte

// Builtin loads and validates the embedded library.
func Builtin() (*catalog.Catalog, error) {
	cat, err := catalog.Load(files, "checks")
	if err != nil {
		return nil, fmt.Errorf("load built-in checks: %w", err)
	}
	return catalog.Merge(cat)
}

// Baseline returns the YAML document that every fixture is merged over: a
// hardened container on a known, rootful Docker host.
func Baseline() []byte { return baseline }
