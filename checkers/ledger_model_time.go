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

// atBatch returns the states a batch may start from once the ledger has
// expired what was due at its timestamp: out.Timestamp when the reply
// named it, else any time after s.floor. None if the named time is not
// after the last one.
//
// At an unknown time only the reservations the batch touches are resolved
// (those it settles, and those on its accounts, whose balances and closed
// flags decide its results): the rest may be left pending although the
// ledger expired them, because every later step treats a reservation that
// may be due as possibly expired (a lookup) or expires it surely (a batch
// stamped after its deadline). Resolving them all would multiply the
// states by every reservation of the group for nothing.
func (s *groupState) atBatch(in LedgerInput, out LedgerOutput) []*groupState {
	if out.Timestamp == 0 {
		return s.clone().expiriesBy(s.floor+1, math.MaxUint64, true, s.touchedBy(in))
	}
	b := out.Timestamp
	if b <= s.floor {
		return nil // cluster time went back along the linearization
	}
	c := s.clone()
	c.narrow(b - 1)
	return c.expiriesBy(b, b, false, nil)
}

// touchedBy returns whether the outcome of batch in may depend on
// reservation id's expiry: it settles it, or one of its transfers names an
// account the reservation holds.
func (s *groupState) touchedBy(in LedgerInput) func(ledger.ID) bool {
	return func(id ledger.ID) bool {
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
}

// atLookup returns the states a lookup stamped t may read: t may not
// precede the last batch's last event (the ledger stamps a logged lookup
// after it; a read served another way may name that event's own time, and
// is judged by what it read), and batches of other groups (stamped before
// t) may have expired any reservation due by then.
func (s *groupState) atLookup(t uint64) []*groupState {
	if t == 0 {
		return s.expiriesBy(s.floor+1, math.MaxUint64, true, nil)
	}
	if t < s.floor {
		return nil
	}
	c := s.clone()
	bound := lookupBound(s.floor, t)
	c.narrow(bound)
	c.floor = max(s.floor, t-1) // the next batch may share the lookup's time, never precede it
	return c.expiriesBy(1, bound, true, nil)
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
	for i := range s.timers {
		if tm := &s.timers[i]; tm.open {
			tm.open, tm.hi = false, satAdd(bound, tm.timeout)
		}
	}
}

// expiriesBy returns the states after expiring the reservations due by a
// time in [from, to]: every reservation due by from surely, and with
// maybeLater (the time is not known to be from), any prefix in deadline
// order of the exactly timed ones due by to, and any subset of the rest.
// A reservation that stays pending although it may have been due is known
// to be due after from. With only (nil: all), the reservations it rejects
// that are not surely due are left as they are.
func (s *groupState) expiriesBy(from, to uint64, maybeLater bool, only func(ledger.ID) bool) []*groupState {
	var sure, exact, loose []ledger.ID
	for _, t := range s.timers {
		switch {
		case !t.open && t.hi <= from:
			sure = append(sure, t.id) // certain, so never left behind: equal worlds stay equal
		case only != nil && !only(t.id):
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
		return []*groupState{base}
	}
	slices.SortStableFunc(exact, func(a, b ledger.ID) int {
		return cmpUint64(base.timerOf(a).lo, base.timerOf(b).lo)
	})
	var out []*groupState
	for k := 0; k <= len(exact); k++ {
		for mask := 0; mask < 1<<len(loose); mask++ {
			c := base.clone()
			for _, id := range exact[:k] {
				c.expire(id)
			}
			for j, id := range loose {
				if mask&(1<<j) != 0 {
					c.expire(id)
				} else if tm := c.timerOf(id); tm.lo <= from {
					tm.lo = from + 1 // not due by from, or it would have expired
				}
			}
			out = append(out, c)
		}
	}
	return out
}

// timerOf returns the timer of reservation id, which must have one.
func (s *groupState) timerOf(id ledger.ID) *timer {
	for i := range s.timers {
		if s.timers[i].id == id {
			return &s.timers[i]
		}
	}
	panic(fmt.Sprintf("ledger model: reservation %s has no timer", id))
}

// dropTimer forgets reservation id's timer, if it has one: it was
// settled or expired.
func (s *groupState) dropTimer(id ledger.ID) {
	s.timers = slices.DeleteFunc(s.timers, func(t timer) bool { return t.id == id })
}

// addTimer starts the clock of a reservation made at timestamp ts (0:
// unknown, some time after the floor plus its position in the batch).
func (s *groupState) addTimer(id ledger.ID, timeout, ts uint64, position int) {
	if ts != 0 {
		d := satAdd(ts, timeout)
		s.timers = append(s.timers, timer{id: id, timeout: timeout, lo: d, hi: d})
		return
	}
	// The bound does not depend on where the operation was placed (the
	// floor), for the reason applyBatch leaves the floor alone.
	lo := satAdd(1+uint64(position), timeout)
	// Each reservation of unknown deadline doubles the states a step may
	// leave until a later reply's time settles it; only operations with
	// unknown outcomes make them, so there are few. Too many would show as
	// a check that runs out of time (an unknown verdict), never as a pass.
	s.timers = append(s.timers, timer{id: id, timeout: timeout, lo: lo, hi: math.MaxUint64, open: true})
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
