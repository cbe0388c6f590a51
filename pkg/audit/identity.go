package audit

import (
	"crypto/sha256"
	"encoding/hex"
)

// FindingID is the stable identity of a finding: the hex SHA-256 of check
// id, host and asset name (NUL-separated). It survives container restarts
// and re-creation, so SIEMs can dedupe on it and baselines can key on it.
func FindingID(checkID, host, assetName string) string {
	var h idHasher
	return h.id(checkID, host, assetName)
}

// idHasher computes finding ids reusing one buffer.
type idHasher struct {
	buf []byte
}

func (h *idHasher) id(checkID, host, assetName string) string {
	h.buf = append(append(append(append(append(h.buf[:0], checkID...), 0), host...), 0), assetName...)
	sum := sha256.Sum256(h.buf)
	var out [sha256.Size * 2]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}
