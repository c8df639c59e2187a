package ledger

// expiry is a pending transfer's deadline. The timestamp identifies the
// transfer uniquely, so an entry whose transfer was rolled back (and whose
// index may since hold another) is recognised as stale and skipped.
type expiry struct {
	deadline  uint64
	timestamp uint64
	index     uint32
}

// expiryQueue orders deadlines by (deadline, timestamp): a total order, so
// pending transfers expire in the same order on every replica. It is a
// binary min-heap kept by push and pop, which are container/heap's Push
// and Pop written for this one type: the generic ones box every entry in
// an interface, an allocation per pending transfer queued and per expiry.
// The array's layout is container/heap's too (watchExpiry reads it).
type expiryQueue []expiry

func (q expiryQueue) less(i, j int) bool {
	if q[i].deadline != q[j].deadline {
		return q[i].deadline < q[j].deadline
	}
	return q[i].timestamp < q[j].timestamp
}

// push adds e (heap.Push).
func (q *expiryQueue) push(e expiry) {
	*q = append(*q, e)
	h := *q
	for j := len(h) - 1; j > 0; {
		i := (j - 1) / 2 // parent
		if !h.less(j, i) {
			break
		}
		h[i], h[j] = h[j], h[i]
		j = i
	}
}

// pop removes and returns the earliest entry, which must exist (heap.Pop).
func (q *expiryQueue) pop() expiry {
	h := *q
	n := len(h) - 1
	h[0], h[n] = h[n], h[0]
	for i := 0; ; {
		j := 2*i + 1 // left child
		if j >= n {
			break
		}
		if r := j + 1; r < n && h.less(r, j) {
			j = r
		}
		if !h.less(j, i) {
			break
		}
		h[i], h[j] = h[j], h[i]
		i = j
	}
	e := h[n]
	*q = h[:n]
	return e
}

func deadlineOf(timestamp, timeout uint64) uint64 {
	if timestamp > ^uint64(0)-timeout {
		return ^uint64(0)
	}
	return timestamp + timeout
}

// expire releases every pending transfer whose deadline is at or before now.
func (s *State) expire(now uint64) {
	for len(s.expiries) > 0 && s.expiries[0].deadline <= now {
		e := s.expiries.pop()
		if int(e.index) >= s.transfers.len() {
			continue
		}
		t := s.transfers.at(e.index)
		if t.timestamp != e.timestamp || t.status != statusPending {
			continue // rolled back, or already posted or voided
		}
		s.markTransfer(e.index)
		s.release(t)
		t.status = statusExpired
	}
}

// release returns a pending transfer's reservation to its accounts, and
// reopens any account it closed.
func (s *State) release(t *transfer) {
	dr, cr := s.accounts[t.res.debit], s.accounts[t.res.credit]
	s.touch(dr)
	s.touch(cr)
	dr.debitsPending = dr.debitsPending.sub(t.res.amount)
	cr.creditsPending = cr.creditsPending.sub(t.res.amount)
	if t.res.flags&CloseDebit != 0 {
		dr.flags &^= Closed
	}
	if t.res.flags&CloseCredit != 0 {
		cr.flags &^= Closed
	}
}
