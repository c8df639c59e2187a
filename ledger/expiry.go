package ledger

import "container/heap"

// expiry is a pending transfer's deadline. The timestamp identifies the
// transfer uniquely, so an entry whose transfer was rolled back (and whose
// index may since hold another) is recognised as stale and skipped.
type expiry struct {
	deadline  uint64
	timestamp uint64
	index     uint32
}

// expiryQueue orders deadlines by (deadline, timestamp): a total order, so
// pending transfers expire in the same order on every replica.
type expiryQueue []expiry

func (q expiryQueue) Len() int { return len(q) }
func (q expiryQueue) Less(i, j int) bool {
	if q[i].deadline != q[j].deadline {
		return q[i].deadline < q[j].deadline
	}
	return q[i].timestamp < q[j].timestamp
}
func (q expiryQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *expiryQueue) Push(x any)   { *q = append(*q, x.(expiry)) }
func (q *expiryQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
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
		e := heap.Pop(&s.expiries).(expiry)
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

func (q *expiryQueue) push(e expiry) { heap.Push(q, e) }
