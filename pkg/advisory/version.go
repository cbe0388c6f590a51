package advisory

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	debversion "github.com/knqyf263/go-deb-version"

	goversion "github.com/hashicorp/go-version"
)

// The verdicts of Status.
const (
	// Affected: the version is in an affected range (or the distribution
	// package is older than the distribution's fixed package).
	Affected = "affected"
	// PossiblyAffected: the upstream version is in an affected range, but
	// the product came from a distribution that backports fixes and the
	// table has no fixed package version for that release.
	PossiblyAffected = "possibly_affected"
	// NotAffected: outside every affected range, or the distribution
	// package carries the fix.
	NotAffected = "not_affected"
	// NotApplicable: the advisory does not concern this product.
	NotApplicable = "not_applicable"
	// Unknown: the product or its version was not seen.
	Unknown = "unknown"
)

// Status decides whether product at version (package: "<release>:<package
// version>" such as "debian-12:1:7.2+dfsg-7+deb12u18", or "" when the
// product was not installed from a known package) is affected by an
// advisory with the given affected ranges per product and fixed package
// versions per distribution release.
//
// A range is one or two space-separated bounds, each an operator (<, <=,
// >, >=, =) and a version: "<2.3.1", ">=17.0 <17.6.3". The package
// verdict wins over the upstream one: distributions backport fixes
// without changing the upstream version. A malformed version is Unknown
// (the caller reports why); malformed ranges are rejected when the table
// loads (ValidateRange).
func Status(product, version, pkg string, affected map[string][]string, distroFixed map[string]string) string {
	ranges, ok := affected[product]
	return Decide(product, version, pkg, ranges, ok, func(release string) (string, bool) {
		fixed, ok := distroFixed[release]
		return fixed, ok
	})
}

// Decide is Status over one product's ranges (known: the advisory lists
// the product) and a lookup of the fixed package version per release; the
// CEL binding calls it without building maps.
func Decide(product, version, pkg string, ranges []string, known bool, fixedIn func(release string) (string, bool)) string {
	if product == "" {
		return Unknown
	}
	if !known {
		return NotApplicable
	}
	if version == "" && pkg == "" {
		return Unknown
	}
	if release, pv, found := strings.Cut(pkg, ":"); found && pv != "" {
		if fixed, ok := fixedIn(release); ok {
			return debStatus(pv, fixed)
		}
	}
	v, err := parseUpstream(version)
	if err != nil {
		return Unknown
	}
	in := false
	for _, r := range ranges {
		if inRange(v, r) {
			in = true
			break
		}
	}
	switch {
	case !in:
		return NotAffected
	case pkg != "":
		return PossiblyAffected
	}
	return Affected
}

// debStatus compares a Debian package version with the release's fixed
// version; "not-affected" in the table means the release never shipped
// the vulnerable code.
func debStatus(installed, fixed string) string {
	if fixed == "not-affected" {
		return NotAffected
	}
	iv, err1 := debversion.NewVersion(installed)
	fv, err2 := debversion.NewVersion(fixed)
	if err1 != nil || err2 != nil {
		return Unknown
	}
	if iv.LessThan(fv) {
		return Affected
	}
	return NotAffected
}

// upstreamPrefix is the leading dotted version of strings such as
// "7.0.14r161095", "8.2.2 (Debian 1:8.2.2+ds-0ubuntu1)", "17.5.0" or
// "5.15.0-91-generic".
var upstreamPrefix = regexp.MustCompile(`^v?[0-9]+(\.[0-9]+)*`)

func parseUpstream(s string) (*goversion.Version, error) {
	if v, ok := parsed.Load(s); ok {
		return v.(*goversion.Version), nil
	}
	m := upstreamPrefix.FindString(strings.TrimSpace(s))
	if m == "" {
		return nil, fmt.Errorf("no version number in %q", s)
	}
	v, err := goversion.NewVersion(m)
	if err != nil {
		return nil, err
	}
	if cached.Add(1) <= maxCached {
		parsed.Store(s, v)
	}
	return v, nil
}

// parsed caches versions by their text: the tables' bounds and the few
// distinct versions of a fleet are parsed once, not once per asset and
// advisory. maxCached bounds it against documents with endless distinct
// version strings.
var (
	parsed sync.Map
	cached atomic.Int64
)

const maxCached = 4096

// inRange reports whether v satisfies every bound of r; r is valid (the
// table was validated when it loaded).
func inRange(v *goversion.Version, r string) bool {
	for _, b := range strings.Fields(r) {
		op, bound := splitBound(b)
		bv, err := parseUpstream(bound)
		if err != nil {
			return false
		}
		c := v.Compare(bv)
		ok := false
		switch op {
		case "<":
			ok = c < 0
		case "<=":
			ok = c <= 0
		case ">":
			ok = c > 0
		case ">=":
			ok = c >= 0
		case "=":
			ok = c == 0
		}
		if !ok {
			return false
		}
	}
	return true
}

func splitBound(b string) (op, version string) {
	for _, op := range []string{"<=", ">=", "<", ">", "="} {
		if rest, ok := strings.CutPrefix(b, op); ok {
			return op, rest
		}
	}
	return "", b
}

// ValidateRange checks the syntax of one affected range.
func ValidateRange(r string) error {
	bounds := strings.Fields(r)
	if len(bounds) == 0 || len(bounds) > 2 {
		return fmt.Errorf("range %q: want one or two bounds such as \"<2.3.1\" or \">=17.0 <17.6.3\"", r)
	}
	for _, b := range bounds {
		op, v := splitBound(b)
		if op == "" {
			return fmt.Errorf("range %q: bound %q has no operator (<, <=, >, >=, =)", r, b)
		}
		if _, err := goversion.NewVersion(v); err != nil || !upstreamPrefix.MatchString(v) {
			return fmt.Errorf("range %q: bound %q: not a dotted version", r, b)
		}
	}
	return nil
}

// ValidateDebVersion checks a fixed package version of the table.
func ValidateDebVersion(v string) error {
	if v == "not-affected" {
		return nil
	}
	if _, err := debversion.NewVersion(v); err != nil {
		return fmt.Errorf("package version %q: %w", v, err)
	}
	return nil
}
