package cli

import (
	"fmt"
	"os"

	"github.com/isoaudit/isoaudit/checks"
	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/catalog"
	"github.com/isoaudit/isoaudit/pkg/engine"
)

// loadCatalog returns the built-in checks (of the given kinds; all when
// none) plus every --checks-dir, merged; any problem is an input error
// naming the file.
func loadCatalog(dirs []string, kinds ...audit.Kind) (*catalog.Catalog, error) {
	builtin, err := checks.Builtin(kinds...)
	if err != nil {
		return nil, fmt.Errorf("built-in catalog is broken: %w", err)
	}
	cats := []*catalog.Catalog{builtin}
	for _, dir := range dirs {
		st, err := os.Stat(dir)
		if err != nil {
			return nil, inputErr(fmt.Errorf("read --checks-dir %s: %w", dir, err))
		}
		if !st.IsDir() {
			return nil, usageErr("--checks-dir %s: not a directory", dir)
		}
		c, err := catalog.Load(os.DirFS(dir), dir)
		if err != nil {
			return nil, inputErr(err)
		}
		cats = append(cats, c)
	}
	merged, err := catalog.Merge(cats...)
	if err != nil {
		return nil, inputErr(err)
	}
	return merged, nil
}

// newEngine compiles the catalog's checks for the given kinds (all when
// none), taking built-in expressions from their precompiled table; a
// team's expressions are type-checked here, so an error names its file
// (exit 2).
func newEngine(cat *catalog.Catalog, kinds ...audit.Kind) (*engine.Engine, error) {
	pre, err := checks.Precompiled()
	if err != nil {
		return nil, fmt.Errorf("built-in catalog is broken: %w", err)
	}
	eng, err := engine.New(cat, engine.WithPrecompiled(pre), engine.WithKinds(kinds...))
	if err != nil {
		return nil, inputErr(err)
	}
	return eng, nil
}

// catalogIDs lists every check id of the built-in catalog and the
// --checks-dir directories, for validating policies.
func catalogIDs(dirs []string) (func(string) bool, []string, error) {
	cat, err := loadCatalog(dirs)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]string, 0, len(cat.Checks))
	for _, c := range cat.Checks {
		ids = append(ids, c.ID)
	}
	return func(id string) bool { return cat.Check(id) != nil }, ids, nil
}
