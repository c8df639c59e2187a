package ledger

import (
	"encoding/binary"
	"slices"

	"github.com/faultline/faultline/ledger/internal/sha256pad"
)

// chainHasher extends the hash chain. It keeps one SHA-256 and a buffer
// from command to command: the previous digest, the timestamp and the
// command are copied into the buffer with SHA-256's padding after them and
// hashed at once (sha256pad), which costs less than feeding the parts to
// a hash.Hash and summing it, copy included. A command's bytes are small
// next to what hashing them costs, however many events it holds.
type chainHasher struct {
	h   sha256pad.Hasher
	buf []byte // the previous digest, the timestamp, the command, its padding
}

// chainNext extends the hash chain by one command: SHA-256 over the
// previous digest, the command's timestamp and its canonical bytes. Two
// ledgers that applied the same commands at the same times hold the same
// chain digest.
func (s *State) chainNext(command []byte, timestamp uint64) {
	c := &s.chainHash
	n := len(s.chain) + 8 + len(command)
	b := append(slices.Grow(c.buf[:0], sha256pad.PaddedSize(n)), s.chain[:]...) // grown once, not by appends
	b = append(binary.LittleEndian.AppendUint64(b, timestamp), command...)
	if len(b) != n {
		panicf("chain message of %d bytes for a command of %d", len(b), len(command))
	}
	b = sha256pad.AppendPadding(b, n)
	s.chain = c.h.Sum(b, n)
	c.buf = b // kept at the largest command's size, as the decoded events are
}
