package ledger

// transferStore holds transfers in fixed-size chunks. A plain slice would
// copy every transfer each time it doubled (the dominant cost at millions
// of transfers); chunks never move once allocated.
type transferStore struct {
	chunks [][]transfer
	n      int
}

const chunkBits = 14 // 16,384 transfers per chunk

func (s *transferStore) len() int { return s.n }

func (s *transferStore) at(i uint32) *transfer {
	return &s.chunks[i>>chunkBits][i&(1<<chunkBits-1)]
}

func (s *transferStore) push(t transfer) uint32 {
	c := s.n >> chunkBits
	if c == len(s.chunks) {
		// The first chunk starts small, for the many small ledgers of
		// simulations; append grows it up to the chunk size, after which
		// full-size chunks follow and nothing is copied again.
		size := 1 << chunkBits
		if c == 0 {
			size = 64
		}
		s.chunks = append(s.chunks, make([]transfer, 0, size))
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
