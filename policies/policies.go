// Package policies embeds isoaudit's built-in policy profiles: the severity
// weights of the score and (later) profiles, overrides and trust settings.
package policies

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.yaml
var files embed.FS

// Profile returns the YAML of a built-in profile by name ("default").
func Profile(name string) ([]byte, error) {
	data, err := files.ReadFile(name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("unknown policy profile %q (supported: %s)", name, strings.Join(Names(), ", "))
	}
	return data, nil
}

// Names lists the built-in profiles, sorted.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(out)
	return out
}
