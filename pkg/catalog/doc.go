// Package catalog loads check and mitigation definitions from YAML files
// (the built-in library embedded in package checks, plus a team's own
// directory) and validates them strictly: unknown fields, duplicate ids and
// missing metadata are errors.
package catalog
