// Package libvirtxml collects VM assets offline from libvirt domain XML
// files (a file, or a directory walked for *.xml) and host facts from a
// qemu.conf, normalized into the VM document (audit.VM) with libvirt's
// defaults for absent values applied.
package libvirtxml
