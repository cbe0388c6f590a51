package advisory

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/isoaudit/isoaudit/internal/oneline"
	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Table is one advisory file: the products it covers, where the document
// holds their version, and the advisories.
type Table struct {
	// Source is the file it was read from (set by Load).
	Source string `yaml:"-"`
	// Kind and Platforms are those of every generated check.
	Kind      audit.Kind `yaml:"kind"`
	Platforms []string   `yaml:"platforms,omitempty"`
	// Product, Version and Package are CEL string expressions over the
	// document: the product's name as the affected ranges key it
	// ("qemu", "vmware-esxi"…), its upstream version, and its package as
	// "<release>:<package version>" ("" when not from a known package).
	Product string `yaml:"product"`
	Version string `yaml:"version"`
	Package string `yaml:"package"`
	// VersionPath names, in evidence, where the version was read.
	VersionPath string `yaml:"version_path"`
	// UnknownReason says why a version can be missing and how to supply
	// it; it becomes the unknown_reason of every generated check.
	UnknownReason string `yaml:"unknown_reason"`
	// Products names every product key the advisories may use, with a
	// display name ("qemu": "QEMU").
	Products   map[string]string `yaml:"products"`
	Advisories []Advisory        `yaml:"advisories"`
}

// Advisory is one entry: one or more CVEs fixed together, the versions
// they affect, and the attack surface they need.
type Advisory struct {
	// ID is the permanent check id (CVE-QEMU-001…), never reused.
	ID string `yaml:"id"`
	// CVE are the CVE ids; the first names the check.
	CVE []string `yaml:"cve"`
	// Name is a common name ("VENOM"), if any.
	Name  string `yaml:"name,omitempty"`
	Title string `yaml:"title"`
	// Component is the vulnerable component ("floppy disk controller").
	Component string         `yaml:"component"`
	Severity  audit.Severity `yaml:"severity"`
	// Exploited is "in-the-wild" (CISA KEV), "poc" (a public exploit) or
	// "none" (no public exploit known).
	Exploited string `yaml:"exploited"`
	// Affected maps a product key to its affected ranges ("<2.3.1",
	// ">=17.0 <17.6.3").
	Affected map[string][]string `yaml:"affected"`
	// Fixed names the fixed releases for people ("QEMU 2.3.1").
	Fixed string `yaml:"fixed"`
	// DistroFixed maps a distribution release ("debian-12") to the first
	// package version carrying the fix, or "not-affected".
	DistroFixed map[string]string `yaml:"distro_fixed,omitempty"`
	// Surface is a CEL bool expression: true when the asset exposes what
	// the advisory needs. Empty means the version alone decides.
	Surface string `yaml:"surface,omitempty"`
	// SurfaceEvidence reports the surface seen.
	SurfaceEvidence *audit.EvidenceSpec `yaml:"surface_evidence,omitempty"`
	Description     string              `yaml:"description"`
	Remediation     string              `yaml:"remediation"`
	Tags            []string            `yaml:"tags,omitempty"`
	References      audit.References    `yaml:"references"`
	Fixtures        audit.Fixtures      `yaml:"fixtures"`
}

// maxFileSize bounds one table file.
const maxFileSize = 4 << 20

var (
	idPattern      = regexp.MustCompile(`^CVE-[A-Z]+-[0-9]{3}$`)
	cvePattern     = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)
	literalPattern = regexp.MustCompile(`^[A-Za-z0-9 .:+~<>=_-]*$`)
)

// Load reads every *.yaml file under the root of fsys as a table; label
// names the tree in errors.
func Load(fsys fs.FS, label string) ([]*Table, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", label, err)
	}
	var out []*Table
	for _, n := range names {
		name := path.Join(label, n)
		f, err := fsys.Open(n)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		if len(data) > maxFileSize {
			return nil, fmt.Errorf("read %s: larger than %d bytes", name, maxFileSize)
		}
		t, err := Decode(data)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", name, err)
		}
		t.Source = name
		out = append(out, t)
	}
	return out, nil
}

// Decode parses and validates one table, rejecting unknown keys.
func Decode(data []byte) (*Table, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var t Table
	if err := dec.Decode(&t); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty file")
		}
		return nil, oneline.Error(err)
	}
	if err := t.validate(); err != nil {
		return nil, err
	}
	return &t, nil
}

func (t *Table) validate() error {
	for name, v := range map[string]string{"kind": string(t.Kind), "product": t.Product, "version": t.Version,
		"version_path": t.VersionPath, "unknown_reason": t.UnknownReason} {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("missing %s", name)
		}
	}
	if t.Package == "" {
		t.Package = "''"
	}
	// The expressions are spliced into larger ones: a conditional
	// (`a ? b : c`) must keep its own precedence.
	for _, e := range []*string{&t.Product, &t.Version, &t.Package} {
		if s := strings.TrimSpace(*e); strings.ContainsAny(s, "?:| ") && !strings.HasPrefix(s, "(") {
			*e = "(" + s + ")"
		}
	}
	if len(t.Products) == 0 {
		return errors.New("missing products")
	}
	for k := range t.Products {
		if k == "" || !literalPattern.MatchString(k) {
			return fmt.Errorf("products: bad key %q", k)
		}
	}
	seen := map[string]bool{}
	for i := range t.Advisories {
		a := &t.Advisories[i]
		if err := a.validate(t); err != nil {
			return fmt.Errorf("advisory %d (%s): %w", i+1, a.ID, err)
		}
		if seen[a.ID] {
			return fmt.Errorf("advisory %s: duplicate id", a.ID)
		}
		seen[a.ID] = true
	}
	return nil
}

func (a *Advisory) validate(t *Table) error {
	if !idPattern.MatchString(a.ID) {
		return fmt.Errorf("id %q does not match %s", a.ID, idPattern)
	}
	if len(a.CVE) == 0 {
		return errors.New("missing cve")
	}
	for _, c := range a.CVE {
		if !cvePattern.MatchString(c) {
			return fmt.Errorf("cve %q is not a CVE id", c)
		}
	}
	for name, v := range map[string]string{"title": a.Title, "component": a.Component, "fixed": a.Fixed,
		"description": a.Description, "remediation": a.Remediation} {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("missing %s", name)
		}
	}
	switch a.Exploited {
	case "in-the-wild", "poc", "none":
	default:
		return fmt.Errorf("exploited %q: want in-the-wild, poc or none", a.Exploited)
	}
	if len(a.Affected) == 0 {
		return errors.New("missing affected")
	}
	for product, ranges := range a.Affected {
		if _, ok := t.Products[product]; !ok {
			return fmt.Errorf("affected: unknown product %q (the table has %s)", product, strings.Join(sortedKeys(t.Products), ", "))
		}
		if len(ranges) == 0 {
			return fmt.Errorf("affected %s: no ranges", product)
		}
		for _, r := range ranges {
			if err := ValidateRange(r); err != nil {
				return fmt.Errorf("affected %s: %w", product, err)
			}
		}
	}
	for release, v := range a.DistroFixed {
		if !literalPattern.MatchString(release) || strings.Contains(release, ":") {
			return fmt.Errorf("distro_fixed: bad release %q", release)
		}
		if err := ValidateDebVersion(v); err != nil || !literalPattern.MatchString(v) {
			return fmt.Errorf("distro_fixed %s: bad version %q", release, v)
		}
	}
	if a.SurfaceEvidence != nil && (a.SurfaceEvidence.Path == "" || a.SurfaceEvidence.Value == "" || a.SurfaceEvidence.Expected == "") {
		return errors.New("surface_evidence needs path, value and expected")
	}
	if a.Surface != "" && a.SurfaceEvidence == nil {
		return errors.New("a surface needs surface_evidence")
	}
	if len(a.Fixtures.Fail) == 0 || len(a.Fixtures.Pass) == 0 {
		return errors.New("fixtures need at least one fail and one pass case")
	}
	return nil
}

// Checks returns the checks the tables generate, in id order.
func Checks(tables ...*Table) []*audit.Check {
	var out []*audit.Check
	for _, t := range tables {
		for i := range t.Advisories {
			out = append(out, t.check(&t.Advisories[i]))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// StatusExpr is the CEL expression giving an advisory's verdict on the
// document.
func (t *Table) StatusExpr(a *Advisory) string {
	return fmt.Sprintf("advisoryStatus(%s, %s, %s, %s, %s)", t.Product, t.Version, t.Package,
		rangesLiteral(a.Affected), mapLiteral(a.DistroFixed))
}

func (t *Table) check(a *Advisory) *audit.Check {
	status := t.StatusExpr(a)
	surface := "true"
	if a.Surface != "" {
		surface = "(" + strings.TrimSpace(a.Surface) + ")"
	}
	title := a.CVE[0]
	if len(a.CVE) > 1 {
		title += " (+" + fmt.Sprint(len(a.CVE)-1) + ")"
	}
	if a.Name != "" {
		title += " " + a.Name
	}
	title += ": " + a.Title
	refs := a.References
	refs.CVE = slices.Clone(a.CVE)
	if len(refs.Attack) == 0 {
		refs.Attack = []string{"T1611"}
	}
	desc := strings.TrimSpace(a.Description) + "\n\nVulnerable component: " + a.Component + ". Fixed in " + a.Fixed +
		". Exploitation: " + map[string]string{"in-the-wild": "exploited in the wild (CISA KEV)",
		"poc": "a public exploit or proof of concept exists", "none": "no public exploit known"}[a.Exploited] + "."
	if a.Surface != "" {
		desc += " The check fails only when the asset also exposes this component; a vulnerable version alone, or the component on a fixed version, passes."
	}
	desc += " A distribution package newer than the release's fixed package passes; a version in an affected range from a distribution package the table has no fix for is reported as possibly affected."
	ev := []audit.EvidenceSpec{{
		Path: t.VersionPath,
		Value: fmt.Sprintf("%s + ' ' + %s + (%s != '' ? ' (package ' + %s + ')' : '') + ': ' + %s",
			t.Product, t.Version, t.Package, t.Package, status),
		Expected: "fixed: " + a.Fixed,
	}}
	if a.SurfaceEvidence != nil {
		ev = append(ev, *a.SurfaceEvidence)
	}
	tags := append([]string{"cve", "patch-level"}, a.Tags...)
	if a.Exploited == "in-the-wild" {
		tags = append(tags, "kev")
	}
	return &audit.Check{
		ID: a.ID, Title: title, Kind: t.Kind, Platforms: slices.Clone(t.Platforms), Severity: a.Severity,
		Description: desc, Remediation: strings.TrimSpace(a.Remediation), Tags: tags, References: refs,
		Condition:     surface + " && " + status + " in ['" + Affected + "', '" + PossiblyAffected + "']",
		UnknownWhen:   surface + " && " + status + " == '" + Unknown + "'",
		UnknownReason: strings.TrimSpace(t.UnknownReason),
		Evidence:      ev,
		Fixtures:      a.Fixtures,
		Source:        t.Source,
	}
}

func rangesLiteral(m map[string][]string) string {
	var b strings.Builder
	b.WriteString("{")
	for i, k := range sortedKeys(m) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("'" + k + "': [")
		for j, r := range m[k] {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("'" + r + "'")
		}
		b.WriteString("]")
	}
	b.WriteString("}")
	return b.String()
}

func mapLiteral(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	var b strings.Builder
	b.WriteString("{")
	for i, k := range sortedKeys(m) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("'" + k + "': '" + m[k] + "'")
	}
	b.WriteString("}")
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
