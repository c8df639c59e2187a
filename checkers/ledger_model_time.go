package checkers

import (
	"fmt"
	"math"
	"slices"

	"github.com/faultline/faultline/ledger"
)

// Cluster time in the ledger model.
//
// The ledger stamps each batch with a cluster time after its last one,
// and before applying a batch of transfers or accounts it expires every
// reservation whose deadline (its own timestamp plus its timeout) is at or
// before the batch's timestamp. A reply names the batch's timestamp, so
// for an operation whose reply a client read the model knows the time
// exactly. Three things it cannot know, and keeps every possibility of
// (a nondeterministic model; Porcupine merges equal states):
//   - an operation whose outcome is unknown has an unknown timestamp, after
//     the last one the state knows: any reservation may have expired at it
//     (exactly timed ones in deadline order, so a prefix of them);
//   - a reservation made by such an operation has a deadline known only
//     within bounds, until a later reply's timestamp bounds its creation;
//   - batches of other groups run expiries too, between this group's
//     operations: a lookup (which expires nothing itself) may see any
//     reservation whose deadline may have passed as expired or not.

// timer is a reservation with a timeout that is still pending.
type timer struct {
	id      ledger.ID
	timeout uint64
	// lo and hi bound the deadline; equal when the reservation's timestamp
	// is known.
	lo, hi uint64
	// open: the reservation's timestamp is unknown and no later timestamp
	// has bounded it yet (hi is then meaningless).
	open bool
}

// exact reports whether the deadline is known.
func (t *timer) exact() bool { return !t.open && t.lo == t.hi }

// atBatch appends to dst the states a batch may start from once the
// ledger has expired what was due at its timestamp: out.Timestamp when the
// reply named it, else any time after s.floor. None if the named time is
// not after the last one.
//
// At an unknown time only the reservations the batch touches are resolved
// (those it settles, and those on its accounts, whose balances and closed
// flags decide its results): the rest may be left pending although the
// ledger expired them, because every later step treats a reservation that
// may be due as possibly expired (a lookup) or expires it surely (a batch
// stamped after its deadline). Resolving them all would multiply the
// states by every reservation of the group for nothing.
func (s *groupState) atBatch(dst []*groupState, in *LedgerInput, out *LedgerOutput) []*groupState {
	if out.Timestamp == 0 {
		return s.clone().expiriesBy(dst, s.floor+1, math.MaxUint64, true, in)
	}
	b := out.Timestamp
	if b <= s.floor {
		return dst // cluster time went back along the linearization
	}
	c := s.clone()
	c.narrow(b - 1)
	return c.expiriesBy(dst, b, b, false, nil)
}

// touchedBy reports whether the outcome of batch in may depend on
// reservation id's expiry: it settles it, or one of its transfers names an
// account the reservation holds.
func (s *groupState) touchedBy(in *LedgerInput, id ledger.ID) bool {
	p, ok := s.find(id)
	if !ok {
		return true
	}
	for i := range in.Transfers {
		t := &in.Transfers[i]
		if t.PendingID == id || t.ID == id || t.DebitAccountID == p.debit || t.DebitAccountID == p.credit ||
			t.CreditAccountID == p.debit || t.CreditAccountID == p.credit {
			return true
		}
	}
	return false
}

// atLookup appends to dst the states a lookup stamped t may read: t may
// not precede the last batch's last event (the ledger stamps a logged
// lookup after it; a read served another way may name that event's own
// time, and is judged by what it read), and batches of other groups
// (stamped before t) may have expired any reservation due by then.
func (s *groupState) atLookup(dst []*groupState, t uint64) []*groupState {
	if t == 0 {
		return s.expiriesBy(dst, s.floor+1, math.MaxUint64, true, nil)
	}
	if t < s.floor {
		return dst
	}
	c := s.clone()
	bound := lookupBound(s.floor, t)
	c.narrow(bound)
	c.floor = max(s.floor, t-1) // the next batch may share the lookup's time, never precede it
	return c.expiriesBy(dst, 1, bound, true, nil)
}

// lookupBound is the latest time an event a lookup stamped t may have seen
// was stamped at: before t for a logged lookup, t itself for one that names
// the last event's time (floor).
func lookupBound(floor, t uint64) uint64 {
	if t == floor {
		return t
	}
	return t - 1
}

// narrow bounds the deadline of every reservation made by an operation
// whose time was unknown, now that an operation after it shows that it was
// stamped at latest at bound.
func (s *groupState) narrow(bound uint64) {
	if !slices.ContainsFunc(s.timers, func(t timer) bool { return t.open }) {
		return // the rule: nothing to narrow, and the timers stay shared
	}
	s.timers = slices.Clone(s.timers) // shared with other states: never written in place
	for i := range s.timers {
		if tm := &s.timers[i]; tm.open {
			tm.open, tm.hi = false, satAdd(bound, tm.timeout)
		}
	}
}

// expiriesBy appends to dst the states after expiring the reservations
// due by a time in [from, to]: every reservation due by from surely, and
// with maybeLater (the time is not known to be from), any prefix in
// deadline order of the exactly timed ones due by to, and any subset of
// the rest. A reservation that stays pending although it may have been due
// is known to be due after from. With only (nil: all), the reservations
// that batch only does not touch (touchedBy) and that are not surely due
// are left as they are.
func (s *groupState) expiriesBy(dst []*groupState, from, to uint64, maybeLater bool, only *LedgerInput) []*groupState {
	var sureBuf, exactBuf, looseBuf [timersInline]ledger.ID
	sure, exact, loose := sureBuf[:0], exactBuf[:0], looseBuf[:0]
	for _, t := range s.timers {
		switch {
		case !t.open && t.hi <= from:
			sure = append(sure, t.id) // certain, so never left behind: equal worlds stay equal
		case only != nil && !s.touchedBy(only, t.id):
		case t.lo > to:
		case t.exact() && maybeLater:
			exact = append(exact, t.id)
		default:
			loose = append(loose, t.id)
		}
	}
	base := s
	if len(sure) > 0 {
		base = s.clone()
		for _, id := range sure {
			base.expire(id)
		}
	}
	if len(exact) == 0 && len(loose) == 0 {
		return append(dst, base)
	}
	slices.SortStableFunc(exact, func(a, b ledger.ID) int {
		return cmpUint64(base.timerOf(a).lo, base.timerOf(b).lo)
	})
	for k := 0; k <= len(exact); k++ {
		for mask := 0; mask < 1<<len(loose); mask++ {
			c := base.clone()
			for _, id := range exact[:k] {
				c.expire(id)
			}
			for j, id := range loose {
				if mask&(1<<j) != 0 {
					c.expire(id)
				} else if c.timerOf(id).lo <= from {
					c.raiseDeadlineLow(id, from+1) // not due by from, or it would have expired
				}
			}
			dst = append(dst, c)
		}
	}
	return dst
}

// timersInline is how many timers expiriesBy sorts out on its stack
// before it allocates: a group has a few reservations pending at a time.
const timersInline = 16

// timerOf returns the timer of reservation id, which must have one.
func (s *groupState) timerOf(id ledger.ID) timer {
	return s.timers[s.timerIndex(id)]
}

func (s *groupState) timerIndex(id ledger.ID) int {
	for i := range s.timers {
		if s.timers[i].id == id {
			return i
		}
	}
	panic(fmt.Sprintf("ledger model: reservation %s has no timer", id))
}

// raiseDeadlineLow sets the lower bound of reservation id's deadline to
// lo, in a new array of timers.
func (s *groupState) raiseDeadlineLow(id ledger.ID, lo uint64) {
	i := s.timerIndex(id)
	s.timers = slices.Clone(s.timers) // shared with other states: never written in place
	s.timers[i].lo = lo
}

// dropTimer forgets reservation id's timer, if it has one (it was settled
// or expired), in a new array of timers.
func (s *groupState) dropTimer(id ledger.ID) {
	i := slices.IndexFunc(s.timers, func(t timer) bool { return t.id == id })
	if i < 0 {
		return
	}
	if len(s.timers) == 1 {
		s.timers = nil
		return
	}
	s.timers = slices.Concat(s.timers[:i], s.timers[i+1:]) // shared with other states: never written in place
}

// addTimer starts the clock of a reservation made at timestamp ts (0:
// unknown, some time after the floor plus its position in the batch).
func (s *groupState) addTimer(id ledger.ID, timeout, ts uint64, position int) {
	if ts != 0 {
		d := satAdd(ts, timeout)
		s.timers = append(s.timers[:len(s.timers):len(s.timers)], timer{id: id, timeout: timeout, lo: d, hi: d}) // a new array: see timers
		return
	}
	// The bound does not depend on where the operation was placed (the
	// floor), for the reason applyBatch leaves the floor alone.
	lo := satAdd(1+uint64(position), timeout)
	// Each reservation of unknown deadline doubles the states a step may
	// leave until a later reply's time settles it; only operations with
	// unknown outcomes make them, so there are few. Too many would show as
	// a check that runs out of time (an unknown verdict), never as a pass.
	s.timers = append(s.timers[:len(s.timers):len(s.timers)], timer{id: id, timeout: timeout, lo: lo, hi: math.MaxUint64, open: true})
}

// expire releases reservation id as the ledger does when its deadline
// passes: its amount leaves both accounts' pending balances, and an
// account it closed opens again.
func (s *groupState) expire(id ledger.ID) {
	p, ok := s.find(id)
	if !ok {
		panic(fmt.Sprintf("ledger model: timer of unknown reservation %s", id))
	}
	s.release(p)
	s.settle1(id, tsExpired)
	s.dropTimer(id)
}

// release takes a reservation's amount off its accounts' pending balances
// and reopens an account it closed.
func (s *groupState) release(p *modelTransfer) {
	d, c := s.account(p.debit), s.account(p.credit)
	s.balances[d][0] = s.balances[d][0].Minus(p.amount)
	s.balances[c][2] = s.balances[c][2].Minus(p.amount)
	if p.flags&ledger.CloseDebit != 0 {
		s.closed &^= 1 << d
	}
	if p.flags&ledger.CloseCredit != 0 {
		s.closed &^= 1 << c
	}
}

// satAdd adds without wrapping, as the ledger's deadlines saturate.
func satAdd(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

func cmpUint64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
