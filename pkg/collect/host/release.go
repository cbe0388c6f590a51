package host

import (
	_ "embed"
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect/pkgdb"
)

//go:embed eol.yaml
var eolYAML []byte

// eolTable is the embedded end-of-life table.
type eolTable map[string]struct {
	Source   string            `yaml:"source"`
	Releases map[string]string `yaml:"releases"`
}

// loadEOL parses the embedded table; a malformed table is a programming
// error caught by the package tests.
func loadEOL() (eolTable, error) {
	var t eolTable
	if err := yaml.Unmarshal(eolYAML, &t); err != nil {
		return nil, fmt.Errorf("parse eol table: %w", err)
	}
	for id, d := range t {
		for rel, date := range d.Releases {
			if _, err := time.Parse(time.DateOnly, date); err != nil {
				return nil, fmt.Errorf("eol table %s %s: bad date %q", id, rel, date)
			}
		}
	}
	return t, nil
}

// osRelease reads os-release and looks the release up in the EOL table.
func (c *collector) osRelease(now time.Time) audit.OSRelease {
	var kv map[string]string
	for _, p := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		if s := c.fs.read(p); s != "" {
			kv = pkgdb.ParseOSRelease([]byte(s))
			break
		}
	}
	r := audit.OSRelease{ID: kv["ID"], VersionID: kv["VERSION_ID"], PrettyName: kv["PRETTY_NAME"]}
	r.Key = pkgdb.Release(c.fs.root)
	if c.eol == nil {
		return r
	}
	entry, ok := c.eol[r.ID]
	if !ok || r.VersionID == "" {
		return r
	}
	for _, v := range []string{r.VersionID, majorMinor(r.VersionID), strings.Split(r.VersionID, ".")[0]} {
		if date, ok := entry.Releases[v]; ok {
			r.EOL, r.EOLSource = date, entry.Source
			d, _ := time.Parse(time.DateOnly, date)
			r.EOLPassed = now.After(d.Add(24 * time.Hour))
			break
		}
	}
	return r
}

func majorMinor(v string) string {
	parts := strings.Split(v, ".")
	if len(parts) >= 2 {
		return parts[0] + "." + parts[1]
	}
	return v
}
