// Package files reads the offline collectors' input files: a size-capped
// read of a regular file, a walk of a directory for one extension.
package files
