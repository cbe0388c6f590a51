package files

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

func eq(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %#v\nwant %#v", what, got, want)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func TestRead(t *testing.T) {
	tmp := t.TempDir()
	small := filepath.Join(tmp, "small.xml")
	write(t, small, "<domain/>")
	big := filepath.Join(tmp, "big.xml")
	write(t, big, "")
	if err := os.Truncate(big, 16<<20+1); err != nil { // sparse: no 16 MiB written
		t.Fatal(err)
	}
	fifo := filepath.Join(tmp, "fifo.xml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(tmp, "nope")
	tests := []struct {
		name  string
		path  string
		limit int64
		data  string
		want  string
	}{
		{"regular file", small, 16 << 20, "<domain/>", ""},
		{"exactly the limit", small, 9, "<domain/>", ""},
		{"missing path", missing, 16 << 20, "", "read " + missing + ": no such file or directory"},
		{"over 16 MiB", big, 16 << 20, "", "read " + big + ": file is larger than the 16 MiB limit"},
		{"custom limit", small, 8, "", "read " + small + ": file is larger than the 8 bytes limit"},
		{"not a regular file", fifo, 16 << 20, "", "read " + fifo + ": not a regular file"},
		{"a directory", tmp, 16 << 20, "", "read " + tmp + ": not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			var data []byte
			var err error
			go func() {
				defer close(done)
				data, err = Read(tt.path, tt.limit)
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Read blocked")
			}
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				eq(t, "data", string(data), tt.data)
				return
			}
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n got %v\nwant %s", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
	if _, err := Read(missing, 1); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing path error %v does not wrap fs.ErrNotExist", err)
	}
}

// TestWalk: the extension matches in any case; regular files come first,
// then links to files not already listed; a dangling link and an
// unreadable subdirectory are errors; linked directories are not followed.
func TestWalk(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	outside := filepath.Join(filepath.Dir(root), "outside.xml")
	write(t, outside, "x")
	for _, f := range []string{"a.xml", "B.XML", "notes.md", "a.xml-prev", "sub/c.Xml", "zz/d.xml"} {
		write(t, filepath.Join(root, f), "x")
	}
	symlink(t, "a.xml", filepath.Join(root, "autostart-a.xml"))    // already listed
	symlink(t, "../outside.xml", filepath.Join(root, "out.xml"))   // listed after the regular files
	symlink(t, "missing.xml", filepath.Join(root, "dangling.xml")) // an error
	symlink(t, "sub", filepath.Join(root, "linked-dir"))           // not followed
	symlink(t, "sub", filepath.Join(root, "linked-dir.xml"))       // not followed, not listed
	locked := filepath.Join(root, "locked")
	write(t, filepath.Join(locked, "e.xml"), "x")
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(locked, 0o755) })
	unreadable := os.Geteuid() != 0 // root reads it anyway

	files, errs, err := Walk(root, ".xml")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(root, "B.XML"), filepath.Join(root, "a.xml")}
	if !unreadable {
		want = append(want, filepath.Join(locked, "e.xml"))
	}
	want = append(want, filepath.Join(root, "sub", "c.Xml"), filepath.Join(root, "zz", "d.xml"), filepath.Join(root, "out.xml"))
	eq(t, "files", files, want)
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	wantErrs := []string{"read " + filepath.Join(root, "dangling.xml") + ": no such file or directory"}
	if unreadable {
		wantErrs = append([]string{"read " + locked + ": permission denied"}, wantErrs...)
	}
	eq(t, "errors", msgs, wantErrs)

	files, _, err = Walk(root, ".md")
	eq(t, "another extension", []any{files, err}, []any{[]string{filepath.Join(root, "notes.md")}, nil})

	missing := filepath.Join(root, "nope")
	_, _, err = Walk(missing, ".xml")
	if err == nil || err.Error() != "read "+missing+": no such file or directory" || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing root: %v", err)
	}
}

func TestRealPath(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.xml")
	write(t, real, "x")
	symlink(t, "real.xml", filepath.Join(dir, "link.xml"))
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, path, want string }{
		{"a link", filepath.Join(dir, "link.xml"), filepath.Join(realDir, "real.xml")},
		{"a relative path", "files_test.go", filepath.Join(wd, "files_test.go")},
		{"a missing path", filepath.Join(dir, "nope"), filepath.Join(dir, "nope")},
	} {
		eq(t, tt.name, realPath(tt.path), tt.want)
	}
}

func TestPathErrorCause(t *testing.T) {
	_, err := os.Open(filepath.Join(t.TempDir(), "nope"))
	eq(t, "path error", PathErrorCause(err), error(syscall.ENOENT))
	other := errors.New("other")
	eq(t, "other error", PathErrorCause(other), other)
}

func TestFormatSize(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{{16 << 20, "16 MiB"}, {1 << 20, "1 MiB"}, {1024, "1024 bytes"}, {1<<20 + 1, "1048577 bytes"}, {100, "100 bytes"}} {
		eq(t, tt.want, formatSize(tt.n), tt.want)
	}
}

func TestInputsAndHostName(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.vmx")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	paths, single, errs, err := Inputs(file, ".vmx")
	if err != nil || !single || len(paths) != 1 || paths[0] != file || len(errs) != 0 {
		t.Errorf("Inputs(file) = %v %v %v %v", paths, single, errs, err)
	}
	paths, single, _, err = Inputs(dir, ".vmx")
	if err != nil || single || len(paths) != 1 {
		t.Errorf("Inputs(dir) = %v %v %v", paths, single, err)
	}
	if _, _, _, err := Inputs(filepath.Join(dir, "missing"), ".vmx"); err == nil || !strings.HasPrefix(err.Error(), "read ") {
		t.Errorf("Inputs(missing) error = %v", err)
	}
	if got := HostName("node7", dir); got != "node7" {
		t.Errorf("HostName with host = %q", got)
	}
	if got := HostName("", file); got != "a.vmx" {
		t.Errorf("HostName from path = %q", got)
	}
}

// TestReadFileOrPipe: a pipe named on the command line (process
// substitution) is read; one nobody writes to reads as empty at once
// instead of blocking; a regular file over the limit is refused before
// it is read.
func TestReadFileOrPipe(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err == nil {
			_, err = f.WriteString(`[{"Id":"x"}]`)
			f.Close()
		}
		done <- err
	}()
	var data []byte
	var err error
	for i := 0; i < 100; i++ { // until the writer has opened its end
		if data, err = ReadFileOrPipe(p, 1<<10); err != nil || len(data) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil || string(data) != `[{"Id":"x"}]` {
		t.Errorf("pipe with a writer: %q, %v", data, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	lonely := filepath.Join(dir, "lonely")
	if err := syscall.Mkfifo(lonely, 0o600); err != nil {
		t.Fatal(err)
	}
	if data, err := ReadFileOrPipe(lonely, 1<<10); err != nil || len(data) != 0 {
		t.Errorf("pipe without a writer: %q, %v; want empty at once", data, err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, 2048), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFileOrPipe(big, 1024); err == nil || !strings.Contains(err.Error(), "larger than the 1024 bytes limit") {
		t.Errorf("oversized file: %v", err)
	}
}

// TestOpenRefusesAFileThatGrowsPastTheLimit: the stat is checked at open,
// the limit again while the file is streamed.
func TestOpenRefusesAFileThatGrowsPastTheLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "grows.json")
	write(t, path, "12345678")
	f, size, err := Open(path, 9)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	eq(t, "size", size, int64(8))
	write(t, path, "1234567890123456")
	_, err = io.ReadAll(f)
	if want := "read " + path + ": file is larger than the 9 bytes limit"; err == nil || err.Error() != want {
		t.Errorf("error\n got %v\nwant %s", err, want)
	}
}
