package compose

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/isoaudit/isoaudit/pkg/collect/files"
)

// maxFileBytes caps every file a Compose project reads: the Compose file,
// the files it includes or extends, its env files and .env.
const maxFileBytes = 16 << 20

// maxRefDepth bounds include/extends chains followed by checkRefs (the
// loader reports cycles itself; this only bounds the pre-check).
const maxRefDepth = 16

// checkRefs checks every local file the Compose loader would read for
// the file at path before it reads any: the file itself, .env beside it,
// and what it names under include, extends and env_file, following
// included and extended files. Each must be a regular file within
// maxFileBytes: the loader reads files whole and blocking, so a FIFO
// would hang the scan and /dev/zero exhaust its memory. Paths built from
// variables (${…}) are left to the loader. The error is one line naming
// the file that refers to the bad one.
func checkRefs(path string) error {
	seen := map[string]bool{}
	var walk func(path, from string, depth int) error
	walk = func(path, from string, depth int) error {
		abs, err := filepath.Abs(path)
		if err == nil {
			path = abs
		}
		if seen[path] || depth > maxRefDepth {
			return nil
		}
		seen[path] = true
		data, err := files.Read(path, maxFileBytes)
		if err != nil {
			if from != "" {
				return fmt.Errorf("%s refers to a file it cannot use: %w", from, err)
			}
			return err
		}
		var doc map[string]any
		if yaml.Unmarshal(data, &doc) != nil {
			return nil // not YAML the pre-check understands: the loader reports it
		}
		dir := filepath.Dir(path)
		for _, ref := range references(doc) {
			if strings.Contains(ref.path, "$") || strings.Contains(ref.path, "://") {
				continue
			}
			p := ref.path
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			if ref.compose {
				if err := walk(p, path, depth+1); err != nil {
					return err
				}
				continue
			}
			if err := usable(p); err != nil && !missing(err) {
				return fmt.Errorf("%s refers to a file it cannot use: %w", path, err)
			}
		}
		return nil
	}
	if err := walk(path, "", 0); err != nil {
		return err
	}
	if err := usable(filepath.Join(filepath.Dir(path), ".env")); err != nil && !missing(err) {
		return err
	}
	return nil
}

// usable applies files.Read's checks to a file the pre-check need not
// read (an env file): it is opened and closed, not read.
func usable(path string) error {
	f, _, err := files.Open(path, maxFileBytes)
	if err != nil {
		return err
	}
	return f.Close()
}

// missing reports whether err is a file that does not exist: the loader
// decides whether that matters (an optional env file, a missing .env).
func missing(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// ref is one file a Compose file names; compose is true for Compose files
// (include, extends), false for env files.
type ref struct {
	path    string
	compose bool
}

// references lists the files a Compose document names: include entries
// (a path, a list of paths, or {path, env_file}), and each service's
// extends.file and env_file (a path, a list, or {path} entries).
func references(doc map[string]any) []ref {
	var out []ref
	add := func(v any, compose bool) {
		for _, p := range pathsOf(v) {
			out = append(out, ref{path: p, compose: compose})
		}
	}
	if inc, ok := doc["include"].([]any); ok {
		for _, e := range inc {
			if m, ok := e.(map[string]any); ok {
				add(m["path"], true)
				add(m["env_file"], false)
				continue
			}
			add(e, true)
		}
	}
	services, _ := doc["services"].(map[string]any)
	for _, s := range services {
		svc, ok := s.(map[string]any)
		if !ok {
			continue
		}
		if ext, ok := svc["extends"].(map[string]any); ok {
			add(ext["file"], true)
		}
		add(svc["env_file"], false)
	}
	return out
}

// pathsOf reads a path, a list of paths, or a list of {path: …} entries.
func pathsOf(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			switch e := e.(type) {
			case string:
				out = append(out, e)
			case map[string]any:
				if p, ok := e["path"].(string); ok {
					out = append(out, p)
				}
			}
		}
		return out
	}
	return nil
}
