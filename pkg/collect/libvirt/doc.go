// Package libvirt collects VM assets from a running libvirtd over its RPC
// socket (pure Go, github.com/digitalocean/go-libvirt): by default the
// read-only socket, so the auditor needs no write access to the
// hypervisor. Every running and defined domain's XML is read without
// secrets and normalized by pkg/collect/libvirtxml, so console passwords
// are unknown rather than absent.
package libvirt
