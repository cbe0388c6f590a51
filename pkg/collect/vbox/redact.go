package vbox

import (
	"regexp"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// secretName matches the names of VRDE properties, extra data items and
// guest properties whose values are secrets: VNCPassword, the
// VBoxAuthSimple password hashes (VBoxAuthSimple/users/<user>), anything
// called a password, passphrase, secret, token, credential or private key.
var secretName = regexp.MustCompile(`(?i)(passw|passphrase|secret|token|credential|private.?key|authsimple/users/)`)

// urlUserinfo matches the password of "scheme://user:password@".
var urlUserinfo = regexp.MustCompile(`(://[^/@:\s]*:)[^/@\s]*@`)

// rawValue is what vm.raw keeps of a named value: "[redacted]" for a
// non-empty secret, the value otherwise with URL passwords redacted.
func rawValue(name, value string) string {
	if secretName.MatchString(name) {
		if value == "" {
			return ""
		}
		return audit.Redacted
	}
	return urlUserinfo.ReplaceAllString(value, "${1}"+audit.Redacted+"@")
}
