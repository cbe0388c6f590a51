package checks

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/engine"
)

var update = flag.Bool("update", false, "rewrite precompiled.json from the YAML library")

// TestPrecompiledIsFresh regenerates the precompiled table from the YAML
// and requires the embedded copy to match, so a changed check can never
// run a stale expression.
func TestPrecompiledIsFresh(t *testing.T) {
	cat, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	pre, err := engine.Precompile(cat)
	if err != nil {
		t.Fatal(err)
	}
	want, err := pre.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	if *update {
		if err := os.WriteFile("precompiled.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(precompiled, want) {
		t.Fatal("checks/precompiled.json is stale: run `go test ./checks -run TestPrecompiledIsFresh -update`")
	}
}

// TestPrecompiledEngineAgrees runs every fixture through an engine built
// from the precompiled table: it must reach the same verdicts.
func TestPrecompiledEngineAgrees(t *testing.T) {
	cat, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	pre, err := Precompiled()
	if err != nil {
		t.Fatal(err)
	}
	if len(pre) == 0 {
		t.Fatal("precompiled table is empty")
	}
	eng, err := engine.New(cat, engine.WithPrecompiled(pre))
	if err != nil {
		t.Fatal(err)
	}
	failures, err := eng.RunFixtures(cat, Baseline())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range failures {
		t.Error(f)
	}
}
