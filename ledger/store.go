package ledger

// transferStore holds transfers in fixed-size chunks. A plain slice would
// copy every transfer each time it doubled (the dominant cost at millions
// of transfers); chunks never move once allocated.
type transferStore struct {
	chunks [][]transfer
	n      int
}

// chunkBits sizes a chunk at 1,024 transfers (about 200 KiB): large enough
// that the chunk index costs nothing, small enough that a simulation's
// ledgers (thousands of transfers, on every replica) waste little.
const chunkBits = 10

func (s *transferStore) len() int { return s.n }

func (s *transferStore) at(i uint32) *transfer {
	return &s.chunks[i>>chunkBits][i&(1<<chunkBits-1)]
}

func (s *transferStore) push(t transfer) uint32 {
	c := s.n >> chunkBits
	switch {
	case c == len(s.chunks):
		// The first chunk starts small, for the many small ledgers of
		// simulations; later ones are allocated whole.
		size := 1 << chunkBits
		if c == 0 {
			size = 64
		}
		s.chunks = append(s.chunks, make([]transfer, 0, size))
	case len(s.chunks[c]) == cap(s.chunks[c]):
		// The first chunk doubles up to the chunk size (append would
		// grow it by smaller steps and overshoot the chunk), after which
		// nothing is copied again.
		grown := make([]transfer, len(s.chunks[c]), min(2*cap(s.chunks[c]), 1<<chunkBits))
		copy(grown, s.chunks[c])
		s.chunks[c] = grown
	}
	s.chunks[c] = append(s.chunks[c], t)
	s.n++
	return uint32(s.n - 1)
}

// pop removes the newest transfer (a linked chain's rollback).
func (s *transferStore) pop() {
	s.n--
	c := s.n >> chunkBits
	s.chunks[c][len(s.chunks[c])-1] = transfer{}
	s.chunks[c] = s.chunks[c][:len(s.chunks[c])-1]
}
