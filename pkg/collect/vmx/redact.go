package vmx

import (
	"regexp"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// secretWords mark a key whose value is a secret when they appear in its
// last dot-separated part (remotedisplay.vnc.password, …).
var secretWords = []string{"password", "passwd", "passphrase", "secret", "token", "credential"}

// isSecretKey reports whether the value of a lower-case key must never
// enter the document: passwords and keys (remotedisplay.vnc.password,
// remotedisplay.vnc.key, datafilekey, encryption.keysafe,
// encryption.data), guestinfo.* (cloud-init user data and credentials
// handed to the guest) and annotation (VMware's own logging treats the
// notes field as sensitive: customers keep passwords there).
func isSecretKey(key string) bool {
	switch {
	case key == "annotation", key == "encryption.data", strings.HasPrefix(key, "guestinfo."):
		return true
	}
	last := key[strings.LastIndexByte(key, '.')+1:]
	if strings.HasSuffix(last, "key") || strings.HasPrefix(last, "keysafe") {
		return true
	}
	for _, w := range secretWords {
		if strings.Contains(last, w) {
			return true
		}
	}
	return false
}

// boolSuffixes and boolPrefixes mark, by the last dot-separated part of a
// lower-case key, the settings VMware reads as booleans; boolKeys lists
// whole keys the patterns miss.
var (
	boolSuffixes = map[string]bool{
		"present": true, "enabled": true, "enable": true, "disable": true, "startconnected": true,
		"writeaccess": true, "readaccess": true, "unrestricted": true, "clientdevice": true,
		"autolock": true, "vgaonly": true, "autodetect": true, "reflecthost": true,
		"maprootshare": true, "linkrootshare": true,
	}
	boolPrefixes = []string{"enable", "allow"}
	boolKeys     = map[string]bool{
		"logging": true, "hypervisor.cpuid.v0": true, "monitor_control.restrict_backdoor": true,
		"isolation.tools.ghi.launchmenu.change": true,
	}
)

// isBoolKey reports whether VMware reads the lower-case key as a boolean.
func isBoolKey(key string) bool {
	if boolKeys[key] {
		return true
	}
	last := key[strings.LastIndexByte(key, '.')+1:]
	if boolSuffixes[last] {
		return true
	}
	for _, p := range boolPrefixes {
		if strings.HasPrefix(last, p) {
			return true
		}
	}
	return false
}

// urlUserinfo matches the password of "scheme://user:password@".
var urlUserinfo = regexp.MustCompile(`(://[^/@:\s]*:)[^/@\s]*@`)

// rawValue is the value kept in vm.raw for a lower-case key: secrets
// replaced by audit.Redacted (an empty value stays empty, so "set but
// empty" remains visible), booleans spelled TRUE or FALSE as VMware reads
// them, URL passwords redacted, everything else as written. ok is false
// for a boolean key whose value is not a boolean word.
func rawValue(key, value string) (out string, ok bool) {
	switch {
	case isSecretKey(key):
		if value == "" {
			return "", true
		}
		return audit.Redacted, true
	case isBoolKey(key):
		b, ok := ParseBool(value)
		if b {
			return "TRUE", ok
		}
		return "FALSE", ok
	}
	return urlUserinfo.ReplaceAllString(value, "${1}"+audit.Redacted+"@"), true
}
