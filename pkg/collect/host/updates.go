package host

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path"
	"strings"
	"time"

	debversion "github.com/knqyf263/go-deb-version"
	"github.com/pierrec/lz4/v4"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// maxIndex bounds one decompressed package index.
const maxIndex = 256 << 20

// updates compares the installed Debian packages with the security
// repository indexes apt last downloaded (no network: what the machine
// already knows), and reads reboot-required.
func (c *collector) updates(now time.Time) audit.Updates {
	u := audit.Updates{Security: []string{}, RebootPackages: []string{}, IndexAge: -1}
	if c.fs.exists("/var/run/reboot-required") || c.fs.exists("/run/reboot-required") {
		u.RebootRequired = true
		pk := c.fs.read("/var/run/reboot-required.pkgs")
		if pk == "" {
			pk = c.fs.read("/run/reboot-required.pkgs")
		}
		u.RebootPackages = sorted(lines(pk))
	}
	c.pkgVersions()
	installed := c.installed
	if len(installed) == 0 {
		return u
	}
	indexes := c.fs.glob("/var/lib/apt/lists/*security*_Packages*")
	if len(indexes) == 0 {
		return u
	}
	candidates := map[string]string{}
	read := 0
	for _, p := range indexes {
		data, err := readIndex(c.fs.path(p))
		if err != nil {
			continue
		}
		read++
		for name, v := range parseIndex(data) {
			if cur, ok := candidates[name]; !ok || debLess(cur, v) {
				candidates[name] = v
			}
		}
	}
	if read == 0 {
		return u
	}
	u.Known = true
	var newest time.Time
	for _, p := range c.fs.glob("/var/lib/apt/lists/*security*Release") {
		if fi, err := os.Stat(c.fs.path(p)); err == nil && fi.ModTime().After(newest) {
			newest = fi.ModTime()
		}
	}
	if !newest.IsZero() {
		u.IndexAge = int64(now.Sub(newest).Hours() / 24)
	}
	var pending []string
	for name, inst := range installed {
		if cand, ok := candidates[name]; ok && debLess(inst, cand) {
			pending = append(pending, name+" "+inst+" → "+cand)
		}
	}
	u.Security = sorted(pending)
	return u
}

// readIndex reads a Packages index: plain, .lz4 (Ubuntu's and Debian's
// apt default with lz4 installed) or .gz.
func readIndex(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	switch path.Ext(p) {
	case ".lz4":
		r = lz4.NewReader(f)
	case ".gz":
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, err
		}
		defer gz.Close()
		r = gz
	case "", ".Packages":
	default:
		if !strings.HasSuffix(p, "_Packages") {
			return nil, os.ErrInvalid // .xz and others: not read
		}
	}
	return io.ReadAll(io.LimitReader(r, maxIndex))
}

// parseIndex returns the highest version of each package in an index.
func parseIndex(data []byte) map[string]string {
	out := map[string]string{}
	var pkg, ver string
	flush := func() {
		if pkg != "" && ver != "" {
			if cur, ok := out[pkg]; !ok || debLess(cur, ver) {
				out[pkg] = ver
			}
		}
		pkg, ver = "", ""
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			flush()
			continue
		}
		if v, ok := strings.CutPrefix(line, "Package: "); ok {
			pkg = strings.TrimSpace(v)
		} else if v, ok := strings.CutPrefix(line, "Version: "); ok {
			ver = strings.TrimSpace(v)
		}
	}
	flush()
	return out
}

// debLess reports a < b in Debian version order; unparsable versions
// compare as equal (no update claimed).
func debLess(a, b string) bool {
	av, err1 := debversion.NewVersion(a)
	bv, err2 := debversion.NewVersion(b)
	if err1 != nil || err2 != nil {
		return false
	}
	return av.LessThan(bv)
}
