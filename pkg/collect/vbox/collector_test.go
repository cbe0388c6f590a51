package vbox

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect"
)

const testdata = "../../../testdata/vbox"

func eq(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %#v\nwant %#v", what, got, want)
	}
}

func newCollector(t *testing.T, mutate func(*Options)) (*Collector, error) {
	t.Helper()
	o := DefaultOptions()
	mutate(&o)
	return New(o)
}

func collectBatch(t *testing.T, mutate func(*Options)) *collect.Batch {
	t.Helper()
	c, err := newCollector(t, mutate)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func assetIDs(b *collect.Batch) []string {
	ids := []string{}
	for _, a := range b.Assets {
		if a.VM == nil || a.VM.Name != a.Name {
			panic("asset without its VM document")
		}
		ids = append(ids, a.ID)
	}
	return ids
}

// TestCollectDirectoryWalk: a malformed .vbox is an error naming it while
// the other machines still become assets; backups, logs and other files
// are ignored, the extension matches in any case, a repeated machine name
// is noted and skipped, a link to a machine file is read once.
func TestCollectDirectoryWalk(t *testing.T) {
	dir := filepath.Join(testdata, "walk")
	b := collectBatch(t, func(o *Options) { o.Path = dir })
	eq(t, "assets", assetIDs(b), []string{"virtualbox://walk/cache", "virtualbox://walk/db", "virtualbox://walk/web"})
	for _, a := range b.Assets {
		if a.Kind != audit.KindVM || a.Platform != "virtualbox" || a.Host.Known || a.VM.Platform != "virtualbox" ||
			!strings.HasPrefix(a.Source, dir) {
			t.Errorf("asset %+v", a)
		}
	}
	eq(t, "db comes from the first file", b.Assets[1].Source, filepath.Join(dir, "db", "db.vbox"))
	eq(t, "web comes from the real file", b.Assets[2].Source, filepath.Join(dir, "web", "web.vbox"))
	eq(t, "errors", b.Errors, []audit.ScanError{{Source: dir,
		Message: "parse " + filepath.Join(dir, "broken", "broken.vbox") + ": line 6: element <Memory> closed by </Hardware>"}})
	eq(t, "notes", b.Notes, []string{filepath.Join(dir, "zz-copy", "db.vbox") + " repeats machine db of " +
		filepath.Join(dir, "db", "db.vbox") + "; skipped"})
	// The 7.1 layout in the walk, and VRDE defaults in the 7.0 one.
	eq(t, "web console", b.Assets[2].VM.RemoteConsoles[0].Listen, []string{"0.0.0.0"})
	eq(t, "web auth", b.Assets[2].VM.RemoteConsoles[0].Auth, "none")
}

func TestCollectSingleFile(t *testing.T) {
	file := filepath.Join(testdata, "hardened.vbox")
	c, err := newCollector(t, func(o *Options) { o.Path = file })
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "kind/endpoint", []string{c.Kind(), c.Endpoint()}, []string{"vbox", file})
	b, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "id", assetIDs(b), []string{"virtualbox://hardened.vbox/hardened"})
	eq(t, "uuid", b.Assets[0].VM.UUID, "3a6f2c1e-5b7d-4e8f-9a0b-1c2d3e4f5061")
	// Each call returns fresh values.
	b2, _ := c.Collect(context.Background())
	b.Assets[0].VM.RemoteConsoles[0].Listen[0] = "changed"
	b.Assets[0].VM.Raw["x"] = "y"
	eq(t, "fresh listen", b2.Assets[0].VM.RemoteConsoles[0].Listen[0], "127.0.0.1")
	if _, ok := b2.Assets[0].VM.Raw["x"]; ok {
		t.Error("raw map shared between calls")
	}
	// Options.Host names the host part of the id.
	b = collectBatch(t, func(o *Options) { o.Path, o.Host = file, "vbox-01" })
	eq(t, "id with host", assetIDs(b), []string{"virtualbox://vbox-01/hardened"})
}

func TestCollectErrors(t *testing.T) {
	tmp := t.TempDir()
	allBroken := filepath.Join(tmp, "broken")
	writeFiles(t, allBroken, map[string]string{"a.vbox": "<VirtualBox>", "b.vbox": "not xml at all"})
	other := filepath.Join(tmp, "other")
	writeFiles(t, other, map[string]string{
		"global.vbox": `<VirtualBox xmlns="http://www.virtualbox.org/" version="1.19-linux"><Global/></VirtualBox>`,
		"domain.vbox": `<domain type="kvm"><name>x</name></domain>`,
		"ns.vbox":     `<VirtualBox xmlns="urn:other" version="1.19"><Machine name="x" uuid="{1}"/></VirtualBox>`,
	})
	entities := filepath.Join(testdata, "entities")
	db := filepath.Join(testdata, "walk", "db", "db.vbox")
	tests := []struct {
		name string
		opts func(*Options)
		want string
	}{
		{"nothing given", func(o *Options) {}, "no VirtualBox .vbox file or directory given"},
		{"negative limit", func(o *Options) { o.Path, o.MaxBytes = tmp, -1 }, "invalid size limit -1: must not be negative"},
		{"missing path", func(o *Options) { o.Path = filepath.Join(tmp, "nope") },
			"read " + filepath.Join(tmp, "nope") + ": no such file or directory"},
		{"custom limit", func(o *Options) { o.Path, o.MaxBytes = db, 100 }, "read " + db + ": file is larger than the 100 bytes limit"},
		{"global settings", func(o *Options) { o.Path = filepath.Join(other, "global.vbox") },
			"parse " + filepath.Join(other, "global.vbox") + ": not a VirtualBox machine settings file: <VirtualBox> holds no <Machine>"},
		{"another root", func(o *Options) { o.Path = filepath.Join(other, "domain.vbox") },
			"parse " + filepath.Join(other, "domain.vbox") + ": not a VirtualBox machine settings file (root element <domain>)"},
		{"another namespace", func(o *Options) { o.Path = filepath.Join(other, "ns.vbox") },
			"parse " + filepath.Join(other, "ns.vbox") + `: not a VirtualBox machine settings file (root element in namespace "urn:other")`},
		{"every file of a directory broken", func(o *Options) { o.Path = allBroken },
			"read " + allBroken + ": no machine could be read; 2 of 2 files failed, first: parse " +
				filepath.Join(allBroken, "a.vbox") + ": line 1: unexpected EOF"},
		{"external entity", func(o *Options) { o.Path = filepath.Join(entities, "xxe-external.vbox") },
			"parse " + filepath.Join(entities, "xxe-external.vbox") + ": line 6: invalid character entity &xxe;"},
		{"billion laughs", func(o *Options) { o.Path = filepath.Join(entities, "billion-laughs.vbox") },
			"parse " + filepath.Join(entities, "billion-laughs.vbox") + ": line 16: invalid character entity &lol9;"},
		{"entity in an attribute", func(o *Options) { o.Path = filepath.Join(entities, "attribute-entity.vbox") },
			"parse " + filepath.Join(entities, "attribute-entity.vbox") + ": line 10: invalid character entity &root;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			var err error
			go func() {
				defer close(done)
				_, err = newCollector(t, tt.opts)
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("New blocked")
			}
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n got %v\nwant %s", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
	if _, err := newCollector(t, func(o *Options) { o.Path = filepath.Join(tmp, "nope") }); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing path error %v does not wrap fs.ErrNotExist", err)
	}
}

// TestDirectoryFileErrors: an oversized, unreadable or foreign file inside
// a directory is a batch error; the rest is still read.
func TestDirectoryFileErrors(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(filepath.Join(testdata, "walk", "db", "db.vbox"))
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"db.vbox": string(good), "big.vbox": strings.Repeat(" ", 2048),
		"global.vbox": `<VirtualBox version="1.19-linux"><Global/></VirtualBox>`, "notes.md": "x"})
	if err := os.Symlink("missing.vbox", filepath.Join(dir, "dangling.vbox")); err != nil {
		t.Fatal(err)
	}
	b := collectBatch(t, func(o *Options) { o.Path, o.MaxBytes, o.Host = dir, 1024, "h" })
	eq(t, "assets", assetIDs(b), []string{"virtualbox://h/db"})
	var msgs []string
	for _, e := range b.Errors {
		msgs = append(msgs, e.Message)
	}
	// Links are resolved while walking, before any file is parsed.
	eq(t, "errors", msgs, []string{
		"read " + filepath.Join(dir, "dangling.vbox") + ": no such file or directory",
		"read " + filepath.Join(dir, "big.vbox") + ": file is larger than the 1024 bytes limit",
		"parse " + filepath.Join(dir, "global.vbox") + ": not a VirtualBox machine settings file: <VirtualBox> holds no <Machine>"})
}

func TestEmptyDirectory(t *testing.T) {
	b := collectBatch(t, func(o *Options) { o.Path = t.TempDir() })
	eq(t, "assets", len(b.Assets), 0)
	eq(t, "notes", b.Notes, []string{"no *.vbox files found"})
}

// TestEntitiesAreNeverExpanded: a DOCTYPE that declares entities but does
// not use them parses, and nothing from the declared file appears.
func TestEntitiesAreNeverExpanded(t *testing.T) {
	b := collectBatch(t, func(o *Options) { o.Path = filepath.Join(testdata, "entities", "doctype-unused.vbox") })
	eq(t, "name", b.Assets[0].Name, "doctype-unused")
	data, err := os.ReadFile(filepath.Join(testdata, "entities", "xxe-external.vbox"))
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.ReadFile("/etc/hostname")
	_, err = NormalizeXML(data)
	if err == nil || (len(strings.TrimSpace(string(host))) > 0 && strings.Contains(err.Error(), strings.TrimSpace(string(host)))) {
		t.Errorf("external entity: %v", err)
	}
}

func TestCollectHonoursCancel(t *testing.T) {
	c, err := newCollector(t, func(o *Options) { o.Path = filepath.Join(testdata, "hardened.vbox") })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Collect(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Collect on a cancelled context: %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{"empty", "", "no XML element found"},
		{"no name", `<VirtualBox version="1.19-linux"><Machine uuid="{1}"/></VirtualBox>`, "the machine has no name attribute"},
		{"encrypted machine", `<VirtualBox xmlns="http://www.virtualbox.org/" version="1.19-linux"><MachineEncrypted uuid="{1}" keyId="k">AAAA</MachineEncrypted></VirtualBox>`,
			"the machine settings are encrypted (<MachineEncrypted>) and cannot be read offline"},
		{"two roots", "<VirtualBox><Machine name='a'/></VirtualBox>\n<VirtualBox/>", "more than one root element"},
		{"truncated", "<VirtualBox>\n<Machine name='a'>\n<Hardware>", "line 3: unexpected EOF"},
		{"non-UTF-8 encoding", `<?xml version="1.0" encoding="ISO-8859-1"?><VirtualBox/>`,
			`xml: encoding "ISO-8859-1" declared but Decoder.CharsetReader is nil`},
		{"deep nesting", "<VirtualBox><Machine name='deep'><Description>" + strings.Repeat("<a>", 300) +
			strings.Repeat("</a>", 300) + "</Description></Machine></VirtualBox>", "line 1: elements nested deeper than 256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decode([]byte(tt.input))
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range slices.Sorted(maps.Keys(files)) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(files[n]), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
