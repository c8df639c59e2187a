package ledger

// transferStore holds transfers in fixed-size chunks. A plain slice would
// copy every transfer each time it doubled (the dominant cost at millions
// of transfers); chunks never move once allocated.
type transferStore struct {
	chunks [][]transfer
	n      int
}

// chunkBits sizes a chunk at 256 transfers (28 KiB): large enough that the
// chunk index costs nothing (16 KiB of it at a million transfers), small
// enough that a simulation's ledgers (a thousand or two transfers, on every
// replica) waste little. At 1,024 a ledger of 1,100 transfers allocated
// room for 3,000 (the first chunk's doublings, and a second chunk almost
// empty).
const chunkBits = 8

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

// emptyFields are the fields of a transfer's request left empty (zero) for
// the resolution to fill from the pending transfer: a post or a void may
// name none of its pending transfer's accounts, ledger or code, and a zero
// amount (the whole reservation). Every other field of a request is its
// resolution's: the same ID, pending ID and flags, and a timeout only a
// pending transfer has, whose request is its resolution.
type emptyFields uint8

const (
	emptyDebit emptyFields = 1 << iota
	emptyCredit
	emptyAmount
	emptyLedger
	emptyCode
)

// emptyFieldsOf returns the fields req left empty that res filled, and
// false if req is not res with some of those fields empty.
func emptyFieldsOf(req, res *transferFields) (emptyFields, bool) {
	if *req == *res { // every transfer but a post or void that left a field empty
		return 0, true
	}
	var e emptyFields
	if req.id != res.id || req.pendingID != res.pendingID || req.flags != res.flags || req.timeout != res.timeout {
		return 0, false
	}
	for _, f := range [...]struct {
		empty, same bool
		bit         emptyFields
	}{
		{req.debit.IsZero(), req.debit == res.debit, emptyDebit},
		{req.credit.IsZero(), req.credit == res.credit, emptyCredit},
		{req.amount.isZero(), req.amount == res.amount, emptyAmount},
		{req.ledger == 0, req.ledger == res.ledger, emptyLedger},
		{req.code == 0, req.code == res.code, emptyCode},
	} {
		switch {
		case f.same:
		case f.empty:
			e |= f.bit
		default:
			return 0, false
		}
	}
	return e, true
}

// request returns the transfer as submitted: its resolution, with the
// fields its request left empty emptied again.
func (t *transfer) request() transferFields {
	f := t.res
	if t.empty&emptyDebit != 0 {
		f.debit = ID{}
	}
	if t.empty&emptyCredit != 0 {
		f.credit = ID{}
	}
	if t.empty&emptyAmount != 0 {
		f.amount = u128{}
	}
	if t.empty&emptyLedger != 0 {
		f.ledger = 0
	}
	if t.empty&emptyCode != 0 {
		f.code = 0
	}
	return f
}
