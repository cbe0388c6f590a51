// Package vbox collects VM assets offline from VirtualBox machine settings
// files (.vbox: one file, or a directory walked for *.vbox), in both the
// 6.x/7.0 layout (CPU and chipset under Hardware) and the 7.1+ layout
// (settings format 1.20: CPU and chipset under Platform), normalized into
// the VM document (audit.VM, platform "virtualbox") with the defaults of
// VirtualBox-settings.xsd applied to absent attributes (vms.md §6.2): a
// shared folder without writable is writable, a remote display without
// authType has no authentication, an absent clipboard is disabled.
//
// Secrets never enter the document: the VRDE VNC password, the teleporter
// password and password-like extra data or guest properties are reported
// as "[redacted]" or as set / not set only.
package vbox
