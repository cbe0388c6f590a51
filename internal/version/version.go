// Package version holds the build's version, set at link time with
// -ldflags "-X github.com/isoaudit/isoaudit/internal/version.Version=…".
package version

import "runtime/debug"

// Version is the release version; "dev" for untagged builds.
var Version = "dev"

// Commit is the VCS revision the binary was built from, when known.
var Commit = ""

// String returns "VERSION" or "VERSION (COMMIT)".
func String() string {
	c := Commit
	if c == "" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" && len(s.Value) >= 12 {
					c = s.Value[:12]
				}
			}
		}
	}
	if c == "" {
		return Version
	}
	return Version + " (" + c + ")"
}
