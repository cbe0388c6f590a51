package audit

import (
	"crypto/sha256"
	"encoding/hex"
)

// FindingID is the stable identity of a finding: the hex SHA-256 of check
// id, host and asset name (NUL-separated). It survives container restarts
// and re-creation, so SIEMs can dedupe on it and baselines can key on it.
func FindingID(checkID, host, assetName string) string {
	sum := sha256.Sum256([]byte(checkID + "\x00" + host + "\x00" + assetName))
	return hex.EncodeToString(sum[:])
}

// SetFindingIDs sets the ID of every finding of one asset.
func SetFindingIDs(findings []Finding, a *Asset) {
	buf := make([]byte, 0, 64)
	suffix := "\x00" + a.Host.Hostname + "\x00" + a.Name
	var out [sha256.Size * 2]byte
	for i := range findings {
		buf = append(append(buf[:0], findings[i].CheckID...), suffix...)
		sum := sha256.Sum256(buf)
		hex.Encode(out[:], sum[:])
		findings[i].ID = string(out[:])
	}
}
