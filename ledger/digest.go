package ledger

import (
	"crypto/sha256"
	"encoding/binary"
)

// chainNext extends the hash chain by one command: SHA-256 over the
// previous digest, the command's canonical bytes and its timestamp. Two
// ledgers that applied the same commands at the same times hold the same
// chain digest.
func chainNext(prev [32]byte, command []byte, timestamp uint64) [32]byte {
	h := sha256.New()
	h.Write(prev[:])
	var ts [8]byte
	binary.LittleEndian.PutUint64(ts[:], timestamp)
	h.Write(ts[:])
	h.Write(command)
	var out [32]byte
	h.Sum(out[:0])
	return out
}
