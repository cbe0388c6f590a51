package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/isoaudit/isoaudit/internal/oneline"
	"github.com/isoaudit/isoaudit/pkg/audit"
)

// MitigationsFile is the file, at the root of a catalog tree, that defines
// mitigations rather than checks.
const MitigationsFile = "mitigations.yaml"

// maxFileSize bounds one definition file; real checks are a few KiB.
const maxFileSize = 1 << 20

var idPattern = regexp.MustCompile(`^[A-Z]+(-[A-Z0-9]+)*-[0-9]{3}$`)

// Catalog is a validated set of checks and mitigations. It is immutable
// after Load/Merge and safe for concurrent reads.
type Catalog struct {
	Checks      []*audit.Check      // sorted by ID
	Mitigations []*audit.Mitigation // sorted by ID
	byID        map[string]*audit.Check
}

// Check returns the check with the given id, or nil.
func (c *Catalog) Check(id string) *audit.Check { return c.byID[id] }

// Load reads every *.yaml / *.yml file under root of fsys (recursively):
// MitigationsFile at the root holds a list of mitigations, every other
// file holds exactly one check. label names the tree in error messages.
// Files are decoded concurrently; the first error in path order wins.
func Load(fsys fs.FS, label string) (*Catalog, error) {
	return load(fsys, label, func(string) bool { return true })
}

// LoadKinds is Load restricted to the files at the root (mitigations) and
// the top-level directories named after the given kinds (container/,
// vm/…), so a scan loads only the library it will use.
func LoadKinds(fsys fs.FS, label string, kinds ...audit.Kind) (*Catalog, error) {
	return load(fsys, label, func(p string) bool {
		dir, _, nested := strings.Cut(p, "/")
		return !nested || slices.Contains(kinds, audit.Kind(dir))
	})
}

func load(fsys fs.FS, label string, keep func(path string) bool) (*Catalog, error) {
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read %s: %w", path.Join(label, p), err)
		}
		if d.IsDir() && p != "." && !keep(p+"/") {
			return fs.SkipDir
		}
		if !d.IsDir() && isYAML(p) && keep(p) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	checks := make([]*audit.Check, len(files))
	mits := make([][]*audit.Mitigation, len(files))
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				checks[i], mits[i], errs[i] = loadFile(fsys, label, files[i])
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	c := &Catalog{byID: map[string]*audit.Check{}}
	for i := range files {
		if errs[i] != nil {
			return nil, errs[i]
		}
		c.Mitigations = append(c.Mitigations, mits[i]...)
		if checks[i] != nil {
			if err := c.add(checks[i]); err != nil {
				return nil, err
			}
		}
	}
	c.sort()
	return c, nil
}

// loadFile decodes one definition file: a check, or the mitigations list.
func loadFile(fsys fs.FS, label, p string) (*audit.Check, []*audit.Mitigation, error) {
	name := path.Join(label, p)
	data, err := readLimited(fsys, p)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", name, err)
	}
	if p == MitigationsFile {
		ms, err := decodeMitigations(data)
		if err != nil {
			return nil, nil, fmt.Errorf("load %s: %w", name, err)
		}
		return nil, ms, nil
	}
	chk, err := decodeCheck(data)
	if err != nil {
		return nil, nil, fmt.Errorf("load %s: %w", name, err)
	}
	chk.Source = name
	return chk, nil, nil
}

// FromChecks returns a catalog of checks built in code (the advisory
// tables generate theirs), validated like loaded ones; label names their
// origin in errors when a check has no Source.
func FromChecks(label string, checks []*audit.Check) (*Catalog, error) {
	c := &Catalog{byID: map[string]*audit.Check{}}
	for _, chk := range checks {
		if chk.Source == "" {
			chk.Source = label
		}
		if err := validateCheck(chk); err != nil {
			return nil, fmt.Errorf("load %s: %w", chk.Source, err)
		}
		if err := c.add(chk); err != nil {
			return nil, err
		}
	}
	c.sort()
	return c, nil
}

// Merge returns a catalog holding the checks and mitigations of all the
// given catalogs; a duplicate id across them is an error naming both files.
func Merge(cats ...*Catalog) (*Catalog, error) {
	out := &Catalog{byID: map[string]*audit.Check{}}
	seenMit := map[string]bool{}
	for _, c := range cats {
		for _, chk := range c.Checks {
			if err := out.add(chk); err != nil {
				return nil, err
			}
		}
		for _, m := range c.Mitigations {
			if seenMit[m.ID] {
				return nil, fmt.Errorf("merge catalogs: duplicate mitigation id %s", m.ID)
			}
			seenMit[m.ID] = true
			out.Mitigations = append(out.Mitigations, m)
		}
	}
	out.sort()
	return out, out.validateReferences()
}

func (c *Catalog) add(chk *audit.Check) error {
	if prev, ok := c.byID[chk.ID]; ok {
		return fmt.Errorf("load %s: duplicate check id %s (also in %s)", chk.Source, chk.ID, prev.Source)
	}
	c.byID[chk.ID] = chk
	c.Checks = append(c.Checks, chk)
	return nil
}

func (c *Catalog) sort() {
	sort.Slice(c.Checks, func(i, j int) bool { return c.Checks[i].ID < c.Checks[j].ID })
	sort.Slice(c.Mitigations, func(i, j int) bool { return c.Mitigations[i].ID < c.Mitigations[j].ID })
}

// validateReferences checks that chain requirements and mitigation names
// resolve, and that chains do not form a cycle.
func (c *Catalog) validateReferences() error {
	mits := map[string]bool{}
	for _, m := range c.Mitigations {
		mits[m.ID] = true
	}
	for _, chk := range c.Checks {
		for _, r := range chk.Requires {
			req := c.byID[r]
			if req == nil {
				return fmt.Errorf("load %s: requires unknown check %s", chk.Source, r)
			}
			if req.Kind != chk.Kind {
				return fmt.Errorf("load %s: requires %s of kind %s, not %s", chk.Source, r, req.Kind, chk.Kind)
			}
			for _, p := range chk.Platforms {
				if !req.AppliesTo(p) {
					return fmt.Errorf("load %s: requires %s, which does not run on platform %s", chk.Source, r, p)
				}
			}
		}
		for _, m := range chk.MitigatedBy {
			if !mits[m] {
				return fmt.Errorf("load %s: mitigated_by names unknown mitigation %s", chk.Source, m)
			}
		}
	}
	_, err := c.ChainOrder()
	return err
}

// ChainOrder returns all checks ordered so that every check comes after
// the checks it requires; atomic checks keep their id order first.
func (c *Catalog) ChainOrder() ([]*audit.Check, error) {
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var out []*audit.Check
	var visit func(chk *audit.Check, trail []string) error
	visit = func(chk *audit.Check, trail []string) error {
		switch state[chk.ID] {
		case done:
			return nil
		case visiting:
			return fmt.Errorf("load %s: chain cycle %s", chk.Source, strings.Join(append(trail, chk.ID), " -> "))
		}
		state[chk.ID] = visiting
		for _, r := range chk.Requires {
			if err := visit(c.byID[r], append(trail, chk.ID)); err != nil {
				return err
			}
		}
		state[chk.ID] = done
		out = append(out, chk)
		return nil
	}
	for _, chk := range c.Checks {
		if !chk.IsChain() {
			if err := visit(chk, nil); err != nil {
				return nil, err
			}
		}
	}
	for _, chk := range c.Checks {
		if err := visit(chk, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func isYAML(p string) bool {
	ext := path.Ext(p)
	return ext == ".yaml" || ext == ".yml"
}

func readLimited(fsys fs.FS, p string) ([]byte, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("file larger than %d bytes", maxFileSize)
	}
	return data, nil
}

func strictDecoder(data []byte) *yaml.Decoder {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	return dec
}

func decodeCheck(data []byte) (*audit.Check, error) {
	var chk audit.Check
	if err := strictDecoder(data).Decode(&chk); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty file")
		}
		return nil, fmt.Errorf("parse yaml: %w", oneline.Error(err))
	}
	return &chk, validateCheck(&chk)
}

func decodeMitigations(data []byte) ([]*audit.Mitigation, error) {
	var ms []*audit.Mitigation
	if err := strictDecoder(data).Decode(&ms); err != nil {
		return nil, fmt.Errorf("parse yaml: %w", oneline.Error(err))
	}
	for i, m := range ms {
		if m == nil || m.ID == "" || m.Title == "" || m.Condition == "" { // nil: an empty list item ("- ")
			return nil, fmt.Errorf("mitigation %d: id, title and condition are required", i+1)
		}
		if m.Factor < 0 || m.Factor >= 1 {
			return nil, fmt.Errorf("mitigation %s: factor %v outside [0, 1)", m.ID, m.Factor)
		}
		if err := validateKind(m.Kind); err != nil {
			return nil, fmt.Errorf("mitigation %s: %w", m.ID, err)
		}
	}
	return ms, nil
}

func validateCheck(c *audit.Check) error {
	if !idPattern.MatchString(c.ID) {
		return fmt.Errorf("id %q does not match %s", c.ID, idPattern)
	}
	missing := []string{}
	for name, v := range map[string]string{"title": c.Title, "description": c.Description,
		"remediation": c.Remediation, "condition": c.Condition} {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("check %s: missing %s", c.ID, strings.Join(missing, ", "))
	}
	if err := validateKind(c.Kind); err != nil {
		return fmt.Errorf("check %s: %w", c.ID, err)
	}
	if len(c.Evidence) == 0 && !c.IsChain() {
		return fmt.Errorf("check %s: at least one evidence entry is required (chains inherit their preconditions')", c.ID)
	}
	for i, e := range c.Evidence {
		if e.Path == "" || e.Value == "" || e.Expected == "" {
			return fmt.Errorf("check %s: evidence %d needs path, value and expected", c.ID, i+1)
		}
	}
	if len(c.References.All()) == 0 {
		return fmt.Errorf("check %s: at least one reference is required", c.ID)
	}
	return nil
}

func validateKind(k audit.Kind) error {
	switch k {
	case audit.KindContainer, audit.KindVM, audit.KindHost:
		return nil
	}
	return fmt.Errorf("unknown kind %q (supported: container, vm, host)", k)
}
