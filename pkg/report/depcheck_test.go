package report_test

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/isoaudit/isoaudit"

// TestImportDirection: writers are pure projections of the report, so
// pkg/report/... may import only the standard library, pkg/audit, its own
// packages, golang.org/x/term and the Prometheus data model and text
// encoder (with protobuf, which the model is made of), never the engine,
// collectors, platform SDKs or test-only libraries such as jsonschema.
func TestImportDirection(t *testing.T) {
	allowed := func(path string) bool {
		first, _, _ := strings.Cut(path, "/")
		return !strings.Contains(first, ".") || // standard library
			path == module+"/pkg/audit" ||
			path == module+"/pkg/report" || strings.HasPrefix(path, module+"/pkg/report/") ||
			path == "golang.org/x/term" ||
			path == "github.com/prometheus/client_model/go" || path == "github.com/prometheus/common/expfmt" ||
			path == "google.golang.org/protobuf/proto"
	}
	err := filepath.WalkDir(".", func(dir string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		pkg, err := build.ImportDir(dir, 0)
		if _, none := err.(*build.NoGoError); none {
			return nil
		}
		if err != nil {
			return err
		}
		for _, imp := range pkg.Imports { // non-test imports only
			if !allowed(imp) {
				t.Errorf("pkg/report/%s imports %s", filepath.ToSlash(dir), imp)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
