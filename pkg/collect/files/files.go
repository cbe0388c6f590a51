package files

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Read returns a regular file's content, refusing more than limit bytes
// and anything that is not a regular file (a FIFO would block). Errors
// are one line, "read PATH: cause", and wrap the cause.
func Read(path string, limit int64) ([]byte, error) {
	f, size, err := Open(path, limit)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := readSized(f, size)
	if err != nil {
		return nil, err
	}
	return data, nil
}

// Open opens a regular file to be streamed, with Read's checks: the
// reader fails with Read's one-line error if the file grows past limit
// while it is read. size is the file's size when opened.
func Open(path string, limit int64) (f io.ReadCloser, size int64, err error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", path, PathErrorCause(err))
	}
	if !info.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("read %s: not a regular file", path)
	}
	if info.Size() > limit {
		return nil, 0, fmt.Errorf("read %s: file is larger than the %s limit", path, formatSize(limit))
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", path, PathErrorCause(err))
	}
	return &cappedFile{f: file, path: path, limit: limit, left: limit}, info.Size(), nil
}

// cappedFile reads a file, failing once more than its limit was read.
type cappedFile struct {
	f           *os.File
	path        string
	limit, left int64 // bytes allowed, and still allowed
}

func (c *cappedFile) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, c.tooLarge()
	}
	n, err := c.f.Read(p[:min(int64(len(p)), c.left+1)])
	c.left -= int64(n)
	if c.left < 0 {
		return n, c.tooLarge()
	}
	if err != nil && err != io.EOF {
		err = fmt.Errorf("read %s: %w", c.path, PathErrorCause(err))
	}
	return n, err
}

func (c *cappedFile) tooLarge() error {
	return fmt.Errorf("read %s: file is larger than the %s limit", c.path, formatSize(c.limit))
}

func (c *cappedFile) Close() error { return c.f.Close() }

// ReadFileOrPipe is Read that also accepts a pipe named on the command
// line (a shell's process substitution, `--inspect <(docker inspect …)`):
// the pipe is opened without blocking, so a FIFO nobody writes to reads as
// empty instead of hanging the scan, and at most limit bytes are read.
func ReadFileOrPipe(path string, limit int64) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, PathErrorCause(err))
	}
	if info.Mode()&fs.ModeNamedPipe == 0 {
		return Read(path, limit)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, PathErrorCause(err))
	}
	defer f.Close()
	return ReadCapped(f, path, limit)
}

// readSized reads r to its end into a buffer sized for size bytes (as
// os.ReadFile does from the stat), growing only if the file grew since:
// io.ReadAll's doubling would hold up to twice a large file (an inspect
// dump of a fleet is tens of megabytes).
func readSized(r io.Reader, size int64) ([]byte, error) {
	data := make([]byte, 0, size+512)
	for {
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return data, err
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
}

// ReadCapped reads r (a pipe, stdin) to its end, refusing more than limit
// bytes; name is what errors call the input ("read NAME: cause").
func ReadCapped(r io.Reader, name string, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, PathErrorCause(err))
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("read %s: input is larger than the %s limit", name, formatSize(limit))
	}
	return data, nil
}

// Walk lists the files under root whose extension is ext (".xml"),
// compared without regard to case, in lexical order and each real file
// once: regular files first, then symbolic links to files not already
// listed. An unreadable subdirectory or a dangling link is one of errs,
// "read PATH: cause", in walk order; symbolic links to directories are
// not followed. err is set only when root itself cannot be read.
func Walk(root, ext string) (files []string, errs []error, err error) {
	var links []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil && path == root:
			return err
		case err != nil:
			errs = append(errs, fmt.Errorf("read %s: %w", path, PathErrorCause(err)))
			return nil
		case d.IsDir() || !strings.EqualFold(filepath.Ext(path), ext):
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			links = append(links, path)
			return nil
		}
		files = append(files, path)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", root, PathErrorCause(err))
	}
	seen := map[string]bool{}
	for _, f := range files {
		seen[realPath(f)] = true
	}
	for _, l := range links {
		info, err := os.Stat(l)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("read %s: %w", l, PathErrorCause(err)))
		case info.IsDir():
		case !seen[realPath(l)]:
			seen[realPath(l)] = true
			files = append(files, l)
		}
	}
	return files, errs, nil
}

// realPath resolves symbolic links into an absolute path; on failure it
// returns path itself.
func realPath(path string) string {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return path
	}
	if abs, err := filepath.Abs(real); err == nil {
		return abs
	}
	return real
}

// PathErrorCause drops the path an *fs.PathError repeats, so that an
// error message names the path once.
func PathErrorCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// formatSize spells a limit in MiB when it is a whole number of them,
// else in bytes.
func formatSize(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Inputs lists what a file collector reads from path: path itself when it
// is a file (single is true), else the files under it with extension ext
// as Walk finds them, with Walk's per-file errors.
func Inputs(path, ext string) (paths []string, single bool, errs []error, err error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, false, nil, fmt.Errorf("read %s: %w", path, PathErrorCause(err))
	}
	if !info.IsDir() {
		return []string{path}, true, nil, nil
	}
	paths, errs, err = Walk(path, ext)
	return paths, false, errs, err
}

// HostName is the host part of a file collector's asset ids: host when
// set, else the base name of path made absolute (so "." names its
// directory).
func HostName(host, path string) string {
	if host != "" {
		return host
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return filepath.Base(path)
}
