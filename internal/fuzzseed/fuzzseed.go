// Package fuzzseed seeds fuzz targets from the repository's testdata:
// every real input the tests use becomes a starting point, so the fuzzer
// explores around valid documents instead of from nothing.
package fuzzseed

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// maxSeed skips files too large to be useful seeds.
const maxSeed = 1 << 20

// AddFiles adds every file under dir (relative to the test's package)
// whose name ends in one of the suffixes; it fails the test when none is
// found, so a moved testdata directory cannot silently empty the corpus.
func AddFiles(f *testing.F, dir string, suffixes ...string) {
	f.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !hasSuffix(p, suffixes) {
			return err
		}
		if info, err := d.Info(); err != nil || !info.Mode().IsRegular() || info.Size() > maxSeed {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f.Add(data)
		n++
		return nil
	})
	if err != nil {
		f.Fatalf("seed from %s: %v", dir, err)
	}
	if n == 0 {
		f.Fatalf("no seed files under %s with suffixes %v", dir, suffixes)
	}
}

func hasSuffix(p string, suffixes []string) bool {
	for _, s := range suffixes {
		if strings.HasSuffix(p, s) {
			return true
		}
	}
	return len(suffixes) == 0
}

// OneLine fails when an error message spans lines: every error the tool
// prints is one line naming what was wrong.
func OneLine(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.ContainsAny(err.Error(), "\n\r") {
		t.Fatalf("error is not one line: %q", err.Error())
	}
}
