// Package sha256pad computes SHA-256 over a buffer that already holds the
// message's padding, which saves about a fifth of the cost of hashing the
// short records the ledger and the replica hash after every command (an
// account's 113 bytes, a transfer's 202, a log entry's header and data).
//
// crypto/sha256 pads a message itself when it sums it: it copies the
// hash's state, builds the padding in a second buffer, feeds it through the
// partial-block buffer, and hashes that last block from there. When the
// caller appends the padding to the message it has built anyway, every
// block, the last one included, is hashed straight from the caller's
// buffer, and the digest is the hash's state after the last block, which
// the hash's binary marshalling (encoding.BinaryAppender) writes out
// without padding again. The digest is SHA-256's, byte for byte: the
// package checks, once, that this Go's marshalled state reads as expected,
// and falls back to crypto/sha256.Sum256 if it does not.
package sha256pad

import (
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"hash"
	"strconv"
)

// blockSize is SHA-256's block: a padded message is a whole number of them.
const blockSize = 64

// AppendPadding appends SHA-256's padding of a message of n bytes to b
// (FIPS 180-4, 5.1.1): a one bit, zero bits up to 8 bytes short of a block
// boundary, and the message's length in bits. The message is normally
// b's last n bytes; only n matters.
func AppendPadding(b []byte, n int) []byte {
	k := (blockSize - 8 - 1 - n%blockSize + 2*blockSize) % blockSize // zero bytes
	return binary.BigEndian.AppendUint64(append(append(b, 0x80), zeros[:k]...), uint64(n)*8)
}

// zeros is the longest run of zero bytes in a padding: appended from here,
// they cost no array cleared on every call.
var zeros [blockSize - 1]byte

// PaddedSize is the length of a message of n bytes with its padding.
func PaddedSize(n int) int { return (n + 1 + 8 + blockSize - 1) / blockSize * blockSize }

// Hasher computes SHA-256 digests of padded messages, reusing its hash and
// buffer from message to message, so that a digest allocates nothing. Its
// zero value is ready; it is not safe for concurrent use.
type Hasher struct {
	h     hash.Hash
	state encoding.BinaryAppender
	buf   []byte // the marshalled state
}

// crypto/sha256's marshalled state is a 4-byte magic, the eight words of
// the hash state (big-endian), the partial block and the length so far.
const (
	marshalledDigestAt = 4
	marshalledSize     = marshalledDigestAt + sha256.Size + blockSize + 8
)

// Sum returns the SHA-256 digest of the message padded holds: its first n
// bytes, which AppendPadding(padded[:n], n) padded. It panics if padded is
// not that long, or does not end in that padding's one bit and length.
func (h *Hasher) Sum(padded []byte, n int) [sha256.Size]byte {
	if len(padded) != PaddedSize(n) || padded[n] != 0x80 ||
		binary.BigEndian.Uint64(padded[len(padded)-8:]) != uint64(n)*8 {
		panic("sha256pad: a message of " + strconv.Itoa(n) + " bytes is not padded in " + strconv.Itoa(len(padded)))
	}
	if !stateReadable {
		return sha256.Sum256(padded[:n])
	}
	return h.sumState(padded)
}

// sumState hashes padded, whole blocks, and reads the digest off the
// hash's marshalled state.
func (h *Hasher) sumState(padded []byte) [sha256.Size]byte {
	if h.h == nil {
		h.h = sha256.New()
		h.state, _ = h.h.(encoding.BinaryAppender)
		h.buf = make([]byte, 0, marshalledSize) // grown once, not by appends
	}
	h.h.Reset()
	h.h.Write(padded)
	var err error
	if h.buf, err = h.state.AppendBinary(h.buf[:0]); err != nil || len(h.buf) < marshalledDigestAt+sha256.Size {
		panic("sha256pad: the hash's state does not marshal")
	}
	return [sha256.Size]byte(h.buf[marshalledDigestAt:])
}

// stateReadable reports whether this Go's SHA-256 marshals its state as
// sumState reads it: the digests of padded messages of every length across
// two blocks are crypto/sha256's.
var stateReadable = func() bool {
	if _, ok := sha256.New().(encoding.BinaryAppender); !ok {
		return false
	}
	var h Hasher
	msg := make([]byte, 0, 3*blockSize)
	for n := range 2*blockSize + 1 {
		msg = append(msg[:0], make([]byte, n)...)
		for i := range msg {
			msg[i] = byte(i*7 + n)
		}
		if h.sumState(AppendPadding(msg, n)) != sha256.Sum256(msg[:n]) {
			return false
		}
	}
	return true
}()
