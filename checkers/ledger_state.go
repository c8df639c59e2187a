package checkers

import (
	"fmt"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/faultline/faultline/ledger"
)

// ReplicaState is one replica's final ledger.
type ReplicaState struct {
	Name  string
	State *ledger.State
	// Digest, if not zero, is State's RecomputeStateDigest: a digest of
	// every account and transfer record, computed afresh. The checkers
	// of final states judge replicas with equal digests once (see
	// judgeDistinct); zero leaves every state judged on its own.
	Digest [32]byte
}

// judgeDistinct runs check on one state per distinct digest first: after
// a run that converged, every serving replica holds the same ledger, and
// judging it once per replica repeats the same walk over every transfer.
// Replicas with equal digests hold the same records (each one's fields,
// the transfers' statuses, the counts and the last timestamp), which is
// all the checkers read, so they pass or fail alike; only when the
// distinct states fail does check run on every state, so that the
// evidence names each replica as it always did.
func judgeDistinct(states []ReplicaState, check func([]ReplicaState) Verdict) Verdict {
	if distinct := distinctStates(states); len(distinct) < len(states) {
		if v := check(distinct); v.Status == Pass {
			return v
		}
	}
	return check(states)
}

// distinctStates returns the states whose digest no earlier state has,
// in order; a state with a zero digest is always kept.
func distinctStates(states []ReplicaState) []ReplicaState {
	var out []ReplicaState
	var zero [32]byte
	for _, s := range states {
		if s.Digest == zero || !slices.ContainsFunc(out, func(o ReplicaState) bool { return o.Digest == s.Digest }) {
			out = append(out, s)
		}
	}
	return out
}

// Conservation checks, on every replica, that per ledger total debits
// equal total credits (pending and posted) and that no account crosses a
// limit its flags forbid: no money created or lost. It sums the balances
// itself rather than trusting the ledger's own bookkeeping.
func Conservation(states []ReplicaState) Verdict {
	return judgeDistinct(states, func(states []ReplicaState) Verdict {
		var evidence []string
		for _, s := range states {
			for _, e := range ConservationOf(s.State.Accounts()) {
				evidence = append(evidence, s.Name+": "+e)
			}
		}
		return verdict("conservation", evidence)
	})
}

// ConservationOf checks one set of accounts and describes every breach.
func ConservationOf(accounts []ledger.Account) []string {
	type totals struct{ dp, dpo, cp, cpo decimal.Decimal }
	sums := map[uint32]*totals{}
	var ledgers []uint32
	var out []string
	for _, a := range accounts {
		t := sums[a.Ledger]
		if t == nil {
			t = &totals{}
			sums[a.Ledger] = t
			ledgers = append(ledgers, a.Ledger)
		}
		t.dp, t.dpo = t.dp.Add(a.DebitsPending), t.dpo.Add(a.DebitsPosted)
		t.cp, t.cpo = t.cp.Add(a.CreditsPending), t.cpo.Add(a.CreditsPosted)
		debits, credits := a.DebitsPending.Add(a.DebitsPosted), a.CreditsPending.Add(a.CreditsPosted)
		if a.Flags&ledger.DebitsMustNotExceedCredits != 0 && debits.GreaterThan(a.CreditsPosted) {
			out = append(out, fmt.Sprintf("account %s: debits %s exceed posted credits %s against its flags", a.ID, debits, a.CreditsPosted))
		}
		if a.Flags&ledger.CreditsMustNotExceedDebits != 0 && credits.GreaterThan(a.DebitsPosted) {
			out = append(out, fmt.Sprintf("account %s: credits %s exceed posted debits %s against its flags", a.ID, credits, a.DebitsPosted))
		}
	}
	slices.Sort(ledgers)
	for _, id := range ledgers {
		t := sums[id]
		if !t.dp.Equal(t.cp) || !t.dpo.Equal(t.cpo) {
			out = append(out, fmt.Sprintf("ledger %d: debits %s pending + %s posted, credits %s pending + %s posted",
				id, t.dp, t.dpo, t.cp, t.cpo))
		}
	}
	return out
}

// Durability checks that every transfer a client saw acknowledged is in the
// final state of every replica, as submitted.
func Durability(states []ReplicaState, acked map[ledger.ID]ledger.Transfer) Verdict {
	return judgeDistinct(states, func(states []ReplicaState) Verdict {
		var evidence []string
		for _, id := range sortedIDs(acked) {
			want := acked[id]
			for _, s := range states {
				got, ok := s.State.LookupTransferUnits(id)
				switch {
				case !ok:
					evidence = append(evidence, fmt.Sprintf("%s lost acknowledged transfer %s", s.Name, id))
				case !sameTransfer(s.State, got, want):
					evidence = append(evidence, fmt.Sprintf("%s holds transfer %s with other fields than acknowledged", s.Name, id))
				}
			}
		}
		return verdict("durability", evidence)
	})
}

// sameTransfer compares the fields a client chose (post and void events
// inherit accounts and amounts from their reservation, so those are
// compared only when the client set them). got is st's.
func sameTransfer(st *ledger.State, got ledger.TransferUnits, want ledger.Transfer) bool {
	if got.PendingID != want.PendingID || got.Flags != want.Flags&^ledger.Linked {
		return false
	}
	if want.PendingID.IsZero() {
		return got.DebitAccountID == want.DebitAccountID && got.CreditAccountID == want.CreditAccountID &&
			amountEqual(st, got, want.Amount) && got.Ledger == want.Ledger && got.Code == want.Code
	}
	return true
}

// amountEqual reports whether got's amount (a transfer of st) equals the
// decimal want, as decimal.Equal would: in units when want converts to
// units at got's scale exactly, else through got's decimal.
func amountEqual(st *ledger.State, got ledger.TransferUnits, want decimal.Decimal) bool {
	if u, ok := unitsExact(want, got.Scale); ok {
		return u == unitsOf(got.Amount)
	}
	d, _ := st.LookupTransfer(got.ID)
	return d.Amount.Equal(want)
}

// unitsOf is an amount the ledger keeps, as the checkers count it.
func unitsOf(a ledger.UnitsAmount) Units { return Units{Hi: a.Hi, Lo: a.Lo} }

// transferCents is t's amount (t a transfer of st) in cents, as
// cents(LookupTransfer(t.ID).Amount) gives it, without the decimal when
// its ledger counts in cents.
func transferCents(st *ledger.State, t ledger.TransferUnits) Units {
	if t.Scale == 2 {
		return unitsOf(t.Amount)
	}
	d, _ := st.LookupTransfer(t.ID)
	return cents(d.Amount)
}

// ExactlyOnce checks that each replica's state holds only transfers some
// client submitted, and that every account's balances are exactly the sum
// of the transfers recorded against it: a transfer applied twice, or money
// moved without a transfer, breaks the sum.
func ExactlyOnce(states []ReplicaState, submitted map[ledger.ID]ledger.Transfer) Verdict {
	return judgeDistinct(states, func(states []ReplicaState) Verdict {
		var evidence []string
		for _, s := range states {
			if n := s.State.TransferCount(); n > len(submitted) {
				evidence = append(evidence, fmt.Sprintf("%s holds %d transfers but clients submitted %d", s.Name, n, len(submitted)))
			}
			evidence = append(evidence, reconcile(s, submitted)...)
		}
		return verdict("exactly-once", evidence)
	})
}

// reconcile recomputes balances from the transfers the replica holds.
func reconcile(s ReplicaState, submitted map[ledger.ID]ledger.Transfer) []string {
	balances := balanceSheet{}
	add, sub := balances.add, balances.sub
	held := 0
	var timed []ledger.TransferUnits // reservations with a timeout, not expired
	settled := map[ledger.ID]bool{}
	var latest uint64 // the latest timestamp of a transfer held
	var evidence []string
	for _, id := range sortedIDs(submitted) {
		t, ok := s.State.LookupTransferUnits(id)
		if !ok {
			continue
		}
		held++
		latest = max(latest, t.Timestamp)
		amount := transferCents(s.State, t)
		switch {
		case t.Flags&ledger.Pending != 0 && s.State.Expired(id):
			// reserved, then released when its timeout passed: it moved
			// nothing, and it may not expire before its deadline
			if deadline := t.Timestamp + t.Timeout; t.Timeout == 0 || deadline > s.State.LastTimestamp() {
				evidence = append(evidence, fmt.Sprintf("%s: reservation %s (timestamp %d, timeout %d) expired, but the ledger's time is %d",
					s.Name, id, t.Timestamp, t.Timeout, s.State.LastTimestamp()))
			}
		case t.Flags&ledger.Pending != 0:
			if t.Timeout != 0 {
				timed = append(timed, t)
			}
			add(t.DebitAccountID, 0, amount) // reserved; settlement moves it below
			add(t.CreditAccountID, 2, amount)
		case t.Flags&(ledger.PostPending|ledger.VoidPending) != 0:
			p, _ := s.State.LookupTransferUnits(t.PendingID)
			settled[t.PendingID] = true
			pa := transferCents(s.State, p)
			sub(p.DebitAccountID, 0, pa)
			sub(p.CreditAccountID, 2, pa)
			if t.Flags&ledger.PostPending != 0 {
				add(t.DebitAccountID, 1, amount)
				add(t.CreditAccountID, 3, amount)
			}
		default:
			add(t.DebitAccountID, 1, amount)
			add(t.CreditAccountID, 3, amount)
		}
	}
	evidence = append(evidence, overdue(s.Name, timed, settled, latest)...)
	if held != s.State.TransferCount() {
		evidence = append(evidence, fmt.Sprintf("%s holds %d transfers no client submitted", s.Name, s.State.TransferCount()-held))
	}
	for _, id := range sortedIDs(balances) {
		b := balances[id]
		got, ok := accountCents(s.State, id)
		if !ok || got != b {
			evidence = append(evidence, fmt.Sprintf("%s: account %s has balances %v, its transfers sum to %v", s.Name, id, got, b))
		}
	}
	return evidence
}

// overdue finds reservations still pending although a batch the replica
// applied was stamped at or after their deadline: the ledger expires every
// reservation due when a batch starts, and a batch holding a transfer
// stamped latest started at most BatchEventsMax-1 before it.
func overdue(name string, timed []ledger.TransferUnits, settled map[ledger.ID]bool, latest uint64) []string {
	var evidence []string
	for _, t := range timed {
		deadline := t.Timestamp + t.Timeout
		if !settled[t.ID] && deadline >= t.Timestamp && latest >= deadline+ledger.BatchEventsMax-1 { // no deadline wrapped
			evidence = append(evidence, fmt.Sprintf("%s: reservation %s (timestamp %d, timeout %d) is still pending, but a batch with a transfer stamped %d ran after its deadline",
				name, t.ID, t.Timestamp, t.Timeout, latest))
		}
	}
	return evidence
}

func sortedIDs[V any](m map[ledger.ID]V) []ledger.ID {
	ids := make([]ledger.ID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, ledger.ID.Compare)
	return ids
}
