package policy

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Trust is the `trust` section of a policy: which images a team accepts.
// Patterns match "registry" (registries) or "registry/repository"
// (repositories, e.g. "docker.io/library/nginx"); `*` matches any run of
// characters, including "/". A deny entry wins over an allow entry; an
// empty allow list allows everything not denied.
type Trust struct {
	AllowedRegistries   []string `yaml:"allowed_registries"`
	DeniedRegistries    []string `yaml:"denied_registries"`
	AllowedRepositories []string `yaml:"allowed_repositories"`
	DeniedRepositories  []string `yaml:"denied_repositories"`
	RequireDigest       bool     `yaml:"require_digest"`
	MaxImageAge         string   `yaml:"max_image_age"` // "365d", "720h", "" for no limit
	NonRootImages       []string `yaml:"non_root_images"`

	maxAge              time.Duration
	allowReg, denyReg   []trustPattern
	allowRepo, denyRepo []trustPattern
	nonRoot             []trustPattern
	compiled            bool
}

// trustPattern is one compiled trust pattern.
type trustPattern struct {
	pattern string
	re      *regexp.Regexp
}

// Compile validates the section and prepares its patterns; ParseProfile
// calls it, so a loaded profile's Trust is ready to Apply.
func (t *Trust) Compile() error {
	var err error
	if t.maxAge, err = parseAge(t.MaxImageAge); err != nil {
		return fmt.Errorf("trust.max_image_age: %w", err)
	}
	for _, l := range []struct {
		key  string
		pats []string
		out  *[]trustPattern
	}{
		{"allowed_registries", t.AllowedRegistries, &t.allowReg},
		{"denied_registries", t.DeniedRegistries, &t.denyReg},
		{"allowed_repositories", t.AllowedRepositories, &t.allowRepo},
		{"denied_repositories", t.DeniedRepositories, &t.denyRepo},
		{"non_root_images", t.NonRootImages, &t.nonRoot},
	} {
		*l.out = nil
		for _, p := range l.pats {
			if strings.TrimSpace(p) == "" {
				return fmt.Errorf("trust.%s: empty pattern", l.key)
			}
			*l.out = append(*l.out, trustPattern{pattern: p, re: globRegexp(p)})
		}
	}
	t.compiled = true
	return nil
}

// MaxAge is the parsed max_image_age (0: no limit).
func (t *Trust) MaxAge() time.Duration { return t.maxAge }

// Apply returns the trust facts of img at time now, for the checks to
// read as container.image.trust. An image known only by id (no registry)
// is judged by the registry and repository rules as "".
func (t *Trust) Apply(img audit.Image, now time.Time) audit.ImageTrust {
	if !t.compiled {
		if err := t.Compile(); err != nil {
			// An uncompilable section never reaches here through
			// ParseProfile; fail closed rather than trusting.
			return audit.ImageTrust{Evaluated: true, Rule: err.Error(), AgeDays: -1}
		}
	}
	out := audit.ImageTrust{Evaluated: true, RequireDigest: t.RequireDigest, AgeDays: -1}
	out.Allowed, out.Rule = t.allowed(img)
	if t.maxAge > 0 {
		out.MaxAgeDays = int64(t.maxAge / (24 * time.Hour))
		if out.MaxAgeDays == 0 {
			out.MaxAgeDays = 1
		}
	}
	if created, err := time.Parse(time.RFC3339Nano, img.Created); err == nil && !created.IsZero() {
		out.AgeDays = int64(now.Sub(created) / (24 * time.Hour))
		if out.AgeDays < 0 {
			out.AgeDays = 0
		}
	}
	name := img.Registry + "/" + img.Repo
	out.RootForbidden = matchAny(t.nonRoot, name) != ""
	return out
}

// allowed applies the registry and repository rules, denials first.
func (t *Trust) allowed(img audit.Image) (bool, string) {
	name := img.Registry + "/" + img.Repo
	if img.Repo == "" {
		name = ""
	}
	if p := matchAny(t.denyReg, img.Registry); p != "" {
		return false, "denied_registries: " + p
	}
	if p := matchAny(t.denyRepo, name); p != "" {
		return false, "denied_repositories: " + p
	}
	if len(t.allowReg) > 0 && matchAny(t.allowReg, img.Registry) == "" {
		return false, "registry not in allowed_registries"
	}
	if len(t.allowRepo) > 0 && matchAny(t.allowRepo, name) == "" {
		return false, "repository not in allowed_repositories"
	}
	return true, ""
}

// matchAny returns the first pattern (as written) matching s, "" when
// none does.
func matchAny(pats []trustPattern, s string) string {
	for _, g := range pats {
		if g.re.MatchString(s) {
			return g.pattern
		}
	}
	return ""
}

// globRegexp turns a pattern with `*` wildcards into an anchored regexp.
func globRegexp(p string) *regexp.Regexp {
	parts := strings.Split(p, "*")
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	return regexp.MustCompile("^(?:" + strings.Join(parts, ".*") + ")$")
}

// parseAge reads "365d", "52w" or a Go duration ("720h"); "" is no limit.
func parseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[len(s)-1]]
	if unit > 0 {
		n, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("invalid age %q (want e.g. 365d, 52w or 720h)", s)
		}
		return time.Duration(n) * unit, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("invalid age %q (want e.g. 365d, 52w or 720h)", s)
	}
	return d, nil
}
