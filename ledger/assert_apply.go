package ledger

import (
	"cmp"
	"math/bits"
	"slices"
)

// Conservation, asserted per step of a command rather than over every
// account: a transfer event, the expiry pass before a batch, and a linked
// chain's rollback each change only a few accounts, known beforehand. The
// step is watched: the imbalance (debits minus credits, pending and posted)
// of each account it may change is noted before it, and after it the sum
// of the imbalances per ledger must not have moved. Every change the
// ledger makes adds or removes one amount on a debit account and on a
// credit account of the same ledger, so any step that creates or destroys
// money in a ledger trips it, whatever the result codes say.
//
// The watch may hold accounts the step leaves alone (they add nothing),
// but each account once: two copies of a changed one would count its
// change twice. Sums are modulo 2^128, so they never overflow, and equal
// totals stay equal.

// watchedAccount is one account under watch and its imbalance before.
type watchedAccount struct {
	a               *account
	pending, posted u128
}

// watchEventInline is how many accounts one transfer event may change or
// name: its own two and its pending transfer's two. Events are watched on
// an array of this size on the stack, so the hot path allocates nothing.
const watchEventInline = 4

// watchTransfer returns, appended to buf, the accounts event t may change:
// the accounts it names and, for a post or void, those of the pending
// transfer it settles (which may have been created earlier in the batch).
func (s *State) watchTransfer(buf []watchedAccount, t *transferEvent) []watchedAccount {
	buf = watchAccount(buf, s.accounts[t.DebitAccountID])
	buf = watchAccount(buf, s.accounts[t.CreditAccountID])
	if t.Flags&(PostPending|VoidPending) != 0 {
		if i, ok := s.byID[t.PendingID]; ok {
			p := s.transfers.at(i)
			buf = watchAccount(buf, s.accounts[p.res.debit])
			buf = watchAccount(buf, s.accounts[p.res.credit])
		}
	}
	return sealWatch(buf)
}

// watchExpiry returns, appended to buf, the accounts expire(now) may
// change: those of every queued pending transfer due by now. Due entries
// form a subtree at the heap's root (a child is never due before its
// parent), so this visits the due entries and their children only.
func (s *State) watchExpiry(buf []watchedAccount, now uint64) []watchedAccount {
	var stackArray [64]int
	stack := append(stackArray[:0], 0)
	q := s.expiries
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if i >= len(q) || q[i].deadline > now {
			continue
		}
		if int(q[i].index) < s.transfers.len() {
			t := s.transfers.at(q[i].index)
			buf = watchAccount(buf, s.accounts[t.res.debit])
			buf = watchAccount(buf, s.accounts[t.res.credit])
		}
		stack = append(stack, 2*i+2, 2*i+1)
	}
	return sealWatch(buf)
}

// expiryDue reports whether expire(now) has anything to do.
func (s *State) expiryDue(now uint64) bool {
	return len(s.expiries) > 0 && s.expiries[0].deadline <= now
}

// watchRollback returns, appended to buf, the accounts rolling back the
// open chain may change: every account its undo log saved or created.
func (s *State) watchRollback(buf []watchedAccount) []watchedAccount {
	for i := range s.undo {
		if u := &s.undo[i]; u.kind == undoAccountChanged || u.kind == undoAccountCreated {
			buf = watchAccount(buf, u.account)
		}
	}
	return sealWatch(buf)
}

func watchAccount(buf []watchedAccount, a *account) []watchedAccount {
	if a == nil {
		return buf
	}
	return append(buf, watchedAccount{a: a})
}

// sealWatch orders the watch by ledger, drops repeated accounts and notes
// each one's imbalance as it is now. An event's watch (at most
// watchEventInline accounts) is ordered by hand, which costs a few
// comparisons; a larger one (an expiry pass, a rollback) is sorted.
func sealWatch(w []watchedAccount) []watchedAccount {
	if len(w) <= watchEventInline {
		w = orderSmallWatch(w)
	} else {
		slices.SortFunc(w, func(x, y watchedAccount) int {
			if c := cmp.Compare(x.a.ledger, y.a.ledger); c != 0 {
				return c
			}
			return x.a.id.Compare(y.a.id)
		})
		w = slices.CompactFunc(w, func(x, y watchedAccount) bool { return x.a == y.a })
	}
	for i := range w {
		w[i].pending, w[i].posted = imbalance(w[i].a)
	}
	return w
}

// orderSmallWatch drops repeated accounts from a few and sorts the rest by
// ledger (insertion sort), so that each ledger's accounts are adjacent.
func orderSmallWatch(w []watchedAccount) []watchedAccount {
	n := 0
	for i := range w {
		x, seen := w[i], false
		for j := range n {
			seen = seen || w[j].a == x.a
		}
		if seen {
			continue
		}
		j := n
		for ; j > 0 && w[j-1].a.ledger > x.a.ledger; j-- {
			w[j] = w[j-1]
		}
		w[j] = x
		n++
	}
	return w[:n]
}

// checkConserved checks, after the step what, that no ledger's summed
// imbalance over the watch has moved.
func checkConserved(w []watchedAccount, what string) {
	for start := 0; start < len(w); {
		ledger := w[start].a.ledger
		var pending, posted u128
		end := start
		for ; end < len(w) && w[end].a.ledger == ledger; end++ {
			p, q := imbalance(w[end].a)
			pending = addMod(pending, subMod(p, w[end].pending))
			posted = addMod(posted, subMod(q, w[end].posted))
		}
		if !pending.isZero() || !posted.isZero() {
			panicf("%s moved ledger %d's debits minus credits by %v pending, %v posted (mod 2^128), over %d accounts",
				what, ledger, pending, posted, end-start)
		}
		start = end
	}
}

// checkNewAccount checks that an account just created holds nothing, so
// that creating it moved no money.
func (s *State) checkNewAccount(id ID) {
	a := s.accounts[id]
	if a == nil || !a.debitsPending.isZero() || !a.debitsPosted.isZero() || !a.creditsPending.isZero() || !a.creditsPosted.isZero() {
		panicf("account %s created with balances (or not at all)", id)
	}
}

// imbalance is an account's debits minus its credits, pending and posted,
// modulo 2^128.
func imbalance(a *account) (pending, posted u128) {
	return subMod(a.debitsPending, a.creditsPending), subMod(a.debitsPosted, a.creditsPosted)
}

func addMod(a, b u128) u128 {
	lo, carry := bits.Add64(a.lo, b.lo, 0)
	hi, _ := bits.Add64(a.hi, b.hi, carry)
	return u128{hi, lo}
}

func subMod(a, b u128) u128 {
	lo, borrow := bits.Sub64(a.lo, b.lo, 0)
	hi, _ := bits.Sub64(a.hi, b.hi, borrow)
	return u128{hi, lo}
}
