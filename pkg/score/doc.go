// Package score turns findings into per-asset risk (0–100, 100 = trivially
// escapable) and letter grades. Every function is pure.
package score
