// Package table writes the human-readable report: sources, then each asset by
// risk with its failing findings, a one-line fix and evidence, then a summary.
package table
