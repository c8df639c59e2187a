package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
)

// chainHasher extends the hash chain. It keeps one SHA-256 and its buffers
// from command to command: a fresh hash, and the arrays handed to it
// through the hash.Hash interface, would each escape and cost an
// allocation per command.
type chainHasher struct {
	h    hash.Hash
	head [32 + 8]byte // the previous digest and the timestamp
	sum  []byte       // the new digest, before it is copied out
}

// chainNext extends the hash chain by one command: SHA-256 over the
// previous digest, the command's timestamp and its canonical bytes. Two
// ledgers that applied the same commands at the same times hold the same
// chain digest.
func (s *State) chainNext(command []byte, timestamp uint64) {
	c := &s.chainHash
	if c.h == nil {
		c.h = sha256.New()
	}
	c.h.Reset()
	copy(c.head[:32], s.chain[:])
	binary.LittleEndian.PutUint64(c.head[32:], timestamp)
	c.h.Write(c.head[:])
	c.h.Write(command)
	c.sum = c.h.Sum(c.sum[:0])
	if copy(s.chain[:], c.sum) != len(s.chain) {
		panicf("chain digest of %d bytes", len(c.sum))
	}
}
