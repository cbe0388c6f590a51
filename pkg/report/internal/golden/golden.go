// Package golden compares writer output with files in testdata/golden and
// rewrites them under `go test ./pkg/report/... -update`.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// update is registered by every test binary that imports this package, so
// `-update` is accepted across ./pkg/report/...
var update = flag.Bool("update", false, "rewrite testdata/golden/*.golden with the current output")

// Path returns the path of testdata/golden/<name>.golden at the module root.
func Path(t testing.TB, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("find module root: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", "golden", name+".golden")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("find module root: no go.mod above the test directory")
		}
		dir = parent
	}
}

// Assert fails t when got differs from the golden file name; with -update
// it rewrites the file instead (atomically, so parallel packages writing
// the same file never leave it half-written).
func Assert(t testing.TB, name string, got []byte) {
	t.Helper()
	path := Path(t, name)
	if *update {
		if err := writeAtomic(path, got); err != nil {
			t.Fatalf("update golden file: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run `go test ./pkg/report/... -update` to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run `go test ./pkg/report/... -update` if the change is intended):\n%s",
			path, firstDifference(string(want), string(got)))
	}
}

func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".golden-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// FirstDifference shows the first line that differs, with its number.
func FirstDifference(want, got string) string { return firstDifference(want, got) }

func firstDifference(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g || i >= len(wl) || i >= len(gl) {
			return fmt.Sprintf("line %d:\n  want: %q\n  got:  %q", i+1, w, g)
		}
	}
	return "(no line differs; check trailing bytes)"
}
