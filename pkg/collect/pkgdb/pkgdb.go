// Package pkgdb reads what a Linux root filesystem says about itself
// without running anything: its release (/etc/os-release) and installed
// package versions from the dpkg database. Advisory tables key fixed
// package versions by release ("debian-12"), so Package joins the two the
// way they expect: "debian-12:1:7.2+dfsg-7+deb12u18".
package pkgdb

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/collect/files"
)

// maxStatus bounds the dpkg status file read (a large server's is a few
// MiB).
const maxStatus = 64 << 20

// Release returns "<ID>-<VERSION_ID>" from root's os-release
// (/etc/os-release, else /usr/lib/os-release), e.g. "debian-12",
// "ubuntu-22.04"; "" when neither can be read or ID is missing.
func Release(root string) string {
	for _, p := range []string{"etc/os-release", "usr/lib/os-release"} {
		data, err := files.Read(filepath.Join(root, p), 64<<10)
		if err != nil {
			continue
		}
		kv := ParseOSRelease(data)
		if kv["ID"] == "" {
			return ""
		}
		if v := kv["VERSION_ID"]; v != "" {
			return kv["ID"] + "-" + v
		}
		return kv["ID"]
	}
	return ""
}

// ParseOSRelease parses os-release(5) KEY=value lines, unquoting values.
func ParseOSRelease(data []byte) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		out[strings.TrimSpace(k)] = v
	}
	return out
}

// DpkgVersions returns the installed version of each named package found
// in root's dpkg status database (only packages whose Status ends in
// "installed"). A missing database is an empty result, not an error.
func DpkgVersions(root string, names ...string) (map[string]string, error) {
	data, err := files.Read(filepath.Join(root, "var/lib/dpkg/status"), maxStatus)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	return parseDpkgStatus(data, want), nil
}

// parseDpkgStatus reads the stanzas of a dpkg status file, keeping the
// wanted installed packages (all of them when want is empty).
func parseDpkgStatus(data []byte, want map[string]bool) map[string]string {
	out := map[string]string{}
	var pkg, ver, status string
	flush := func() {
		if pkg != "" && ver != "" && strings.HasSuffix(status, " installed") && (len(want) == 0 || want[pkg]) {
			out[pkg] = ver
		}
		pkg, ver, status = "", "", ""
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			flush()
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "Package":
			pkg = v
		case "Version":
			ver = v
		case "Status":
			status = v
		}
	}
	flush()
	return out
}

// Package returns "<release>:<version>" for the first of names installed
// under root, or "" when the release or none of the packages is known.
func Package(root string, names ...string) string {
	vers, err := DpkgVersions(root, names...)
	if err != nil {
		return ""
	}
	return Pick(Release(root), vers, names...)
}

// Pick is Package over an already-read release and package versions, for
// callers that look up several products in one read of the database.
func Pick(release string, installed map[string]string, names ...string) string {
	if release == "" {
		return ""
	}
	for _, n := range names {
		if v := installed[n]; v != "" {
			return release + ":" + v
		}
	}
	return ""
}
