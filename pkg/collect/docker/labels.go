package docker

import (
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// RedactedValue replaces the value of a label whose key looks secret.
const RedactedValue = "[redacted]"

// secretKeyWords mark label keys whose values may be secrets.
var secretKeyWords = [...]string{"password", "passwd", "secret", "token", "key", "credential", "auth"}

// RedactLabels returns a copy of labels in which the value of every key
// containing password, passwd, secret, token, key, credential or auth
// (case-insensitive) is RedactedValue. A nil or empty map yields nil.
func RedactLabels(labels map[string]string) map[string]string {
	if len(labels) == 0 {
		return nil
	}
	out := make(map[string]string, len(labels))
	for k, v := range labels {
		if looksSecret(k) {
			v = RedactedValue
		}
		out[k] = v
	}
	return out
}

func looksSecret(key string) bool {
	k := strings.ToLower(key)
	for _, w := range secretKeyWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// containerAsset wraps a normalized container as an asset. platform is
// "docker" or "podman"; idPrefix is the scheme-and-host part of the asset
// id ("docker://host"), to which "/<name>" is appended.
func containerAsset(c *audit.Container, labels map[string]string, platform, idPrefix, source string, host *audit.Host) audit.Asset {
	return audit.Asset{
		ID:        idPrefix + "/" + c.Name,
		Name:      c.Name,
		Kind:      audit.KindContainer,
		Platform:  platform,
		Source:    source,
		Labels:    RedactLabels(labels),
		Container: c,
		Host:      host,
	}
}
