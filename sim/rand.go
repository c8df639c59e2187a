package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
)

// NewStream returns a random stream derived from the root seed and a label
// such as "network", "node/n1" or "workload". Streams with different labels
// are independent: drawing from one never shifts another, so enabling a fault
// does not change the workload the same seed produces.
//
// The derivation is SHA-256 over the seed and the label, which feeds ChaCha8.
// Both are specified bit for bit, so a stream is the same on every platform.
func NewStream(rootSeed uint64, label string) *rand.Rand {
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], rootSeed)
	h := sha256.New()
	h.Write(buf[:])
	h.Write([]byte(label))
	var key [32]byte
	copy(key[:], h.Sum(nil))
	return rand.New(rand.NewChaCha8(key))
}

// ppmScale is one million: probabilities are held as integer parts per
// million so that every decision is integer arithmetic, identical on every
// CPU (floating-point fused multiply-add differs between architectures).
const ppmScale = 1_000_000

// probabilityPPM converts a probability in [0, 1] to parts per million.
func probabilityPPM(p float64) uint64 {
	return uint64(p*ppmScale + 0.5)
}

// chance reports whether an event of probability ppm/1e6 happens.
func chance(r *rand.Rand, ppm uint64) bool {
	if ppm == 0 {
		return false
	}
	if ppm >= ppmScale {
		return true
	}
	return r.Uint64N(ppmScale) < ppm
}
