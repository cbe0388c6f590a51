// Package docker collects container assets from a Docker (or Podman
// compatible) Engine API: one list, bounded concurrent inspects, and one
// inspect per distinct image, normalized into audit.Container documents.
//
// NormalizeContainer and HostFromDaemon are pure functions shared with the
// offline collectors (pkg/collect/inspectfile).
package docker
