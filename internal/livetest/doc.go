// Package livetest gives live tests a real dockerd: a client that skips
// the test when the daemon is absent (fails under ISOAUDIT_LIVE=require),
// a registry-free busybox image, and self-removing labelled containers;
// and a libvirtd connection (Libvirt) for tests that define domains.
package livetest
