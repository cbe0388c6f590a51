package host

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/collect/files"
)

// fsys reads files below a root directory; every path is absolute as on
// the audited machine ("/proc/cmdline").
type fsys struct{ root string }

func (f fsys) path(p string) string { return filepath.Join(f.root, p) }

// read returns the file's content (at most 4 MiB), "" when unreadable.
func (f fsys) read(p string) string {
	b, err := files.Read(f.path(p), 4<<20)
	if err != nil {
		return ""
	}
	return string(b)
}

// line returns the file's first line, trimmed.
func (f fsys) line(p string) string {
	s, _, _ := strings.Cut(f.read(p), "\n")
	return strings.TrimSpace(s)
}

func (f fsys) exists(p string) bool {
	_, err := os.Lstat(f.path(p))
	return err == nil
}

// glob returns the matches of pattern below the root, as absolute paths
// of the audited machine, sorted.
func (f fsys) glob(pattern string) []string {
	m, _ := filepath.Glob(f.path(pattern))
	out := make([]string, 0, len(m))
	for _, p := range m {
		rel, err := filepath.Rel(f.root, p)
		if err == nil {
			out = append(out, "/"+filepath.ToSlash(rel))
		}
	}
	sort.Strings(out)
	return out
}

// lines splits s into non-empty trimmed lines.
func lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader([]byte(s)))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func sorted(s []string) []string {
	if s == nil {
		return []string{}
	}
	sort.Strings(s)
	return compactStrings(s)
}

func compactStrings(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
