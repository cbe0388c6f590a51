// Package advisory turns tables of known vulnerabilities (hypervisor
// escapes, kernel and runtime CVEs) into ordinary checks.
//
// A table is data: a product header saying which document field holds
// the product's version (and, where the distribution's package version is
// known, which field holds that), and one entry per advisory with the
// affected version ranges per product, the fixed package version per
// distribution release, and the attack surface the advisory needs (a CEL
// expression over the same document: a floppy controller for VENOM, a USB
// controller for the XHCI escapes). Checks turns each entry into an
// audit.Check whose condition is "surface present AND version affected",
// so a vulnerable QEMU without a floppy controller, or a floppy controller
// on a fixed QEMU, does not fail; an unknown version with the surface
// present is unknown, never a pass.
//
// Status is the one version decision, exposed to CEL as advisoryStatus.
package advisory
