package libvirtxml

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// secretKeys are QEMU option names whose values are secrets. Options that
// name a secret object (password-secret=sec0, key-secret=…) hold an id,
// not a secret, and are kept.
var secretKeys = map[string]bool{
	"password": true, "passwd": true, "pass": true, "passphrase": true,
	"secret": true, "token": true, "psk": true, "private-key": true,
}

// booleanValues are option values that only switch a feature on or off
// (-vnc …,password=on) and are kept as evidence.
var booleanValues = map[string]bool{"on": true, "off": true, "yes": true, "no": true, "true": true, "false": true}

// urlUserinfo matches the password of "scheme://user:password@".
var urlUserinfo = regexp.MustCompile(`(://[^/@:\s]*:)[^/@\s]*@`)

// redactArg replaces secret values in one hypervisor argument: option
// values of secretKeys (and "data" of a secret object) in QEMU's
// "a=b,c=d" syntax or in JSON objects, and passwords in URLs. Everything
// else is kept as written.
func redactArg(arg string) string {
	if strings.HasPrefix(strings.TrimSpace(arg), "{") {
		if out, ok := redactJSONArg(arg); ok {
			return out
		}
	}
	opts := splitOptions(arg)
	secretObject := len(opts) > 0 && (opts[0] == "secret" || slicesContainsFold(opts, "qom-type=secret"))
	for i, o := range opts {
		k, v, ok := strings.Cut(o, "=")
		if ok && isSecretOption(strings.ToLower(k), v, secretObject) {
			opts[i] = k + "=" + audit.Redacted
		}
	}
	return urlUserinfo.ReplaceAllString(strings.Join(opts, ","), "${1}"+audit.Redacted+"@")
}

func isSecretOption(key, value string, secretObject bool) bool {
	if booleanValues[strings.ToLower(value)] {
		return false
	}
	return secretKeys[key] || (secretObject && key == "data")
}

// splitOptions splits at single commas; QEMU's ",," (a literal comma)
// stays inside its option.
func splitOptions(arg string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(arg); i++ {
		if arg[i] != ',' {
			cur.WriteByte(arg[i])
			continue
		}
		if i+1 < len(arg) && arg[i+1] == ',' {
			cur.WriteString(",,")
			i++
			continue
		}
		out = append(out, cur.String())
		cur.Reset()
	}
	return append(out, cur.String())
}

func slicesContainsFold(list []string, want string) bool {
	for _, s := range list {
		if strings.EqualFold(s, want) {
			return true
		}
	}
	return false
}

// redactJSONArg redacts a JSON-syntax argument (-object {"qom-type":…});
// ok is false when arg is not a JSON object.
func redactJSONArg(arg string) (string, bool) {
	var obj map[string]any
	if err := json.Unmarshal([]byte(arg), &obj); err != nil {
		return "", false
	}
	redactJSON(obj)
	out, err := json.Marshal(obj)
	if err != nil {
		return "", false
	}
	return string(out), true
}

func redactJSON(obj map[string]any) {
	secretObject := obj["qom-type"] == "secret"
	for k, v := range obj {
		switch val := v.(type) {
		case map[string]any:
			redactJSON(val)
		case string:
			if isSecretOption(strings.ToLower(k), val, secretObject) {
				obj[k] = audit.Redacted
			} else {
				obj[k] = urlUserinfo.ReplaceAllString(val, "${1}"+audit.Redacted+"@")
			}
		}
	}
}
