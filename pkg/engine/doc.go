// Package engine compiles a catalog's CEL expressions once and evaluates
// every check against every asset concurrently, turning each (check, asset)
// pair into a Finding with evidence.
package engine
