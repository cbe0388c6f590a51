// Package scan runs one audit end to end: collectors concurrently, the
// engine over every asset, the score and the gate, into one Report. One
// source failing never loses the results of the others.
package scan
