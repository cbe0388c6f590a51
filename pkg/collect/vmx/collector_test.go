package vmx

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect"
)

func collectBatch(t *testing.T, mutate func(*Options)) *collect.Batch {
	t.Helper()
	o := DefaultOptions()
	mutate(&o)
	c, err := New(o)
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
		ids = append(ids, a.ID)
	}
	return ids
}

func errorMessages(b *collect.Batch) []string {
	msgs := []string{}
	for _, e := range b.Errors {
		msgs = append(msgs, e.Message)
	}
	return msgs
}

// TestCollectDirectoryWalk: a malformed .vmx is an error naming it (and
// never its values) and an encrypted one an error too, while the other
// files still become assets; non-.vmx files (notes, the .vmx~ backup) are
// ignored, and a copied VM with the same display name gets its own id.
func TestCollectDirectoryWalk(t *testing.T) {
	dir := filepath.Join(testdata, "walk")
	b := collectBatch(t, func(o *Options) { o.Path = dir })
	eq(t, "assets", assetIDs(b), []string{"vmware://walk/db", "vmware://walk/web", "vmware://walk/web#web.vmx"})
	for _, a := range b.Assets {
		if a.Kind != audit.KindVM || a.Platform != "vmware" || a.VM == nil || a.VM.Platform != "vmware" ||
			a.Host.Known || !strings.HasPrefix(a.Source, dir) || a.Name != a.VM.Name {
			t.Errorf("asset %+v", a)
		}
	}
	eq(t, "sources", []string{b.Assets[0].Source, b.Assets[1].Source, b.Assets[2].Source}, []string{
		filepath.Join(dir, "sub", "db.vmx"), filepath.Join(dir, "copy", "web.vmx"), filepath.Join(dir, "web.vmx")})
	eq(t, "errors", b.Errors, []audit.ScanError{
		{Source: dir, Message: "parse " + filepath.Join(dir, "broken.vmx") +
			`: line 4: syntax error: the value of "RemoteDisplay.vnc.password" has no closing quote`},
		{Source: dir, Message: "parse " + filepath.Join(dir, "encrypted.vmx") +
			": encrypted VM configuration (encryption.data): its settings cannot be read offline"}})
	for _, m := range errorMessages(b) {
		if strings.Contains(m, "s3cret") {
			t.Errorf("error reveals a value: %s", m)
		}
	}
	eq(t, "notes", b.Notes, []string{filepath.Join(dir, "web.vmx") + ` repeats display name "web" of ` +
		filepath.Join(dir, "copy", "web.vmx") + "; its asset id adds the file path"})
	eq(t, "the copy's own setting", b.Assets[1].VM.Clipboard.Mode, "guest_to_host")
}

func TestCollectFixturesDirectory(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"hardened.vmx", "vnc-nopass.vmx", "copy-paste.vmx"} {
		data, err := os.ReadFile(filepath.Join(testdata, name))
		if err != nil {
			t.Fatal(err)
		}
		writeFiles(t, filepath.Join(dir, strings.TrimSuffix(name, ".vmx")+".vmwarevm"), map[string]string{name: string(data)})
	}
	b := collectBatch(t, func(o *Options) { o.Path, o.Host = dir, "esx-01" })
	eq(t, "assets", assetIDs(b), []string{"vmware://esx-01/hardened", "vmware://esx-01/jump-host", "vmware://esx-01/packer-build"})
	eq(t, "errors and notes", []int{len(b.Errors), len(b.Notes)}, []int{0, 0})
}

func TestCollectSingleFile(t *testing.T) {
	file := filepath.Join(testdata, "hardened.vmx")
	o := DefaultOptions()
	o.Path = file
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "kind/endpoint", []string{c.Kind(), c.Endpoint()}, []string{"vmx", file})
	b1, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "id", assetIDs(b1), []string{"vmware://hardened.vmx/hardened"})
	// Each call returns fresh values.
	b2, _ := c.Collect(context.Background())
	b1.Assets[0].VM.Devices[0].Model = "changed"
	b1.Assets[0].VM.Raw["firmware"] = "changed"
	eq(t, "fresh", []string{b2.Assets[0].VM.Devices[0].Model, b2.Assets[0].VM.Raw["firmware"]}, []string{"svga", "efi"})
}

// TestCollectNotes: parser and normalization notes are reported once,
// prefixed with the file.
func TestCollectNotes(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.vmx": "displayName = \"a\"\nmks.enable3d = \"sure\"\nmemsize = \"1\"\nMemSize = \"2\"\n"})
	b := collectBatch(t, func(o *Options) { o.Path = dir })
	file := filepath.Join(dir, "a.vmx")
	eq(t, "notes", b.Notes, []string{
		file + ": line 4: MemSize repeats line 3; the later value is used (VMware refuses to load a file that repeats a key)",
		file + ": line 2: mks.enable3d is not a boolean word; VMware reads it as FALSE"})
	eq(t, "3D off as VMware reads it", b.Assets[0].VM.Accel3D, false)
}

func TestCollectErrors(t *testing.T) {
	tmp := t.TempDir()
	allBroken := filepath.Join(tmp, "broken")
	writeFiles(t, allBroken, map[string]string{"a.vmx": "displayName \"a\"", "b.vmx": ""})
	broken := filepath.Join(testdata, "walk", "broken.vmx")
	encrypted := filepath.Join(testdata, "walk", "encrypted.vmx")
	tests := []struct {
		name string
		opts func(*Options)
		want string
	}{
		{"nothing given", func(o *Options) {}, "no VMware .vmx file or directory given"},
		{"negative limit", func(o *Options) { o.Path, o.MaxBytes = tmp, -1 }, "invalid size limit -1: must not be negative"},
		{"missing path", func(o *Options) { o.Path = filepath.Join(tmp, "nope") },
			"read " + filepath.Join(tmp, "nope") + ": no such file or directory"},
		{"custom limit", func(o *Options) { o.Path, o.MaxBytes = filepath.Join(testdata, "hardened.vmx"), 100 },
			"read " + filepath.Join(testdata, "hardened.vmx") + ": file is larger than the 100 bytes limit"},
		{"a malformed file", func(o *Options) { o.Path = broken },
			"parse " + broken + `: line 4: syntax error: the value of "RemoteDisplay.vnc.password" has no closing quote`},
		{"an encrypted file", func(o *Options) { o.Path = encrypted },
			"parse " + encrypted + ": encrypted VM configuration (encryption.data): its settings cannot be read offline"},
		{"every file of a directory broken", func(o *Options) { o.Path = allBroken },
			"read " + allBroken + ": no .vmx file could be read; 2 of 2 files failed, first: parse " +
				filepath.Join(allBroken, "a.vmx") + `: line 1: syntax error: expected = after "displayName"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			var err error
			go func() {
				defer close(done)
				o := DefaultOptions()
				tt.opts(&o)
				_, err = New(o)
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
	o := DefaultOptions()
	o.Path = filepath.Join(tmp, "nope")
	if _, err := New(o); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing path error %v does not wrap fs.ErrNotExist", err)
	}
}

// TestDirectoryFileErrors: an oversized file or a dangling link inside a
// directory is a batch error; the rest is still read, and a link to a file
// already listed is read once.
func TestDirectoryFileErrors(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(filepath.Join(testdata, "walk", "web.vmx"))
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"web.vmx": string(good), "big.vmx": strings.Repeat("#", 2048), "notes.md": "x"})
	if err := os.Symlink("missing.vmx", filepath.Join(dir, "dangling.vmx")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("web.vmx", filepath.Join(dir, "link.vmx")); err != nil {
		t.Fatal(err)
	}
	b := collectBatch(t, func(o *Options) { o.Path, o.MaxBytes, o.Host = dir, 1024, "h" })
	eq(t, "assets", assetIDs(b), []string{"vmware://h/web"})
	eq(t, "errors", errorMessages(b), []string{
		"read " + filepath.Join(dir, "dangling.vmx") + ": no such file or directory",
		"read " + filepath.Join(dir, "big.vmx") + ": file is larger than the 1024 bytes limit"})
}

func TestEmptyDirectory(t *testing.T) {
	b := collectBatch(t, func(o *Options) { o.Path = t.TempDir() })
	eq(t, "assets", len(b.Assets), 0)
	eq(t, "notes", b.Notes, []string{"no *.vmx files found"})
}

func TestCollectHonoursCancel(t *testing.T) {
	o := DefaultOptions()
	o.Path = filepath.Join(testdata, "hardened.vmx")
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Collect(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Collect on a cancelled context: %v", err)
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(files[n]), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
