// Package inspectfile collects container assets offline from the JSON
// that `docker inspect` prints, read from a file or stdin, normalized with
// the same rules as the live Docker collector (without host facts).
package inspectfile
