// Package vmx collects VM assets offline from VMware virtual machine
// configuration files (.vmx: a file, or a directory walked for *.vmx),
// normalized into the VM document (audit.VM, platform "vmware") with
// VMware's defaults for absent keys applied (vms.md §2, §3).
//
// The file format is VMware's dictionary format (open-vm-tools
// lib/dict/dictll.c): one `name = "value"` per line, names compared
// without regard to case, values quoted or bare, `|XX` hexadecimal
// escapes, `#` comments. Every key of the file is kept in VM.Raw under
// its lower-case name, with boolean settings spelled TRUE or FALSE as
// VMware reads them and secret values replaced by audit.Redacted.
package vmx
