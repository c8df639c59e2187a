package checkers

import (
	"fmt"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/faultline/faultline/ledger"
)

// IntentStatus is what the application was told about an intent, over all
// its submissions.
type IntentStatus uint8

const (
	// IntentUnknown: no submission was answered for certain; the intent may
	// take effect (once) or not.
	IntentUnknown IntentStatus = iota
	// IntentAcknowledged: some submission was answered with every transfer
	// succeeded (Ok or Exists): it must take effect exactly once.
	IntentAcknowledged
	// IntentFailed: every submission was answered, each with every
	// transfer refused: it must never take effect.
	IntentFailed
)

// String names the status.
func (s IntentStatus) String() string {
	return [...]string{"unknown", "acknowledged", "failed"}[s]
}

// Intent is one thing the application asked the ledger to do: a transfer,
// or a linked chain of them, however many times the client library or the
// application submitted it.
type Intent struct {
	// ID is the workload's own name for the intent, recorded out of band:
	// it is not a transfer ID, so a client that resubmits under fresh
	// transfer IDs still submits the same intent.
	ID int
	// Transfers are the intent's transfers as first asked, by position in
	// the chain: the accounts, amounts and flags it means to move.
	Transfers []ledger.Transfer
	// Status is what the application was told.
	Status IntentStatus
	// Submissions counts the times the application submitted it.
	Submissions int
}

// IntentRef names one transfer of one intent.
type IntentRef struct {
	Intent   int
	Position int
}

// SubmissionStatus is what one submission of an intent of n transfers told
// the application: answered says a reply came (the outcome was not
// unknown), results are the ledger's, one per transfer.
func SubmissionStatus(answered bool, results []ledger.Result, n int) IntentStatus {
	switch {
	case !answered || len(results) != n:
		return IntentUnknown
	case all(results, ledger.Result.Succeeded):
		return IntentAcknowledged
	case none(results, ledger.Result.Succeeded):
		return IntentFailed
	}
	return IntentUnknown // part of a chain refused: the ledger must say why elsewhere
}

// Record folds in one submission's status: an acknowledgement wins over
// all (an answer proves it), and an unknown submission may still apply
// later, so it outweighs a refusal of another submission.
func (in *Intent) Record(sub IntentStatus) {
	in.Submissions++
	switch {
	case in.Status == IntentAcknowledged:
	case sub == IntentFailed && in.Submissions > 1 && in.Status != IntentFailed:
	default:
		in.Status = sub
	}
}

// IntentExactlyOnce checks, on every replica's final ledger, that each
// intent took effect at most once, an acknowledged one exactly once and a
// failed one never, and that every account's balances are exactly the sum
// of the intents that took effect (each counted once). ids maps every
// transfer ID the application ever sent to the intent it stands for; a
// transfer it does not map (a client library that made up fresh IDs) is
// matched to an intent by what it moves, so a duplicate under a new ID is
// caught, and one that matches no intent moved money nobody asked for.
func IntentExactlyOnce(states []ReplicaState, intents []Intent, ids map[ledger.ID]IntentRef) Verdict {
	return judgeDistinct(states, func(states []ReplicaState) Verdict {
		var evidence []string
		for _, s := range states {
			for _, e := range checkIntents(s.State, intents, ids) {
				evidence = append(evidence, s.Name+": "+e)
			}
		}
		return verdict("intent-exactly-once", evidence)
	})
}

// checkIntents lists what breaks the invariant on one ledger: first what
// befell each intent (took effect twice, never), then the transfers no
// intent explains, then the balances: the evidence shows only the first
// few lines, and an intent's fate explains a failure best.
func checkIntents(st *ledger.State, intents []Intent, ids map[ledger.ID]IntentRef) []string {
	effects, unexplained := attribute(st, intents, ids)
	var evidence []string
	for i := range intents {
		evidence = append(evidence, judgeIntent(&intents[i], effects[i])...)
	}
	evidence = append(evidence, unexplained...)
	return append(evidence, reconcileIntents(st, intents, ids, effects)...)
}

// attribute finds, for each intent and position, the transfers in the
// ledger that carry it out.
func attribute(st *ledger.State, intents []Intent, ids map[ledger.ID]IntentRef) ([][][]ledger.ID, []string) {
	effects := make([][][]ledger.ID, len(intents))
	positions := 0
	for i := range intents {
		positions += len(intents[i].Transfers)
	}
	// One array holds every intent's positions, another one transfer ID
	// per position: a position's first transfer (all a correct run has)
	// takes its slot without allocating, a second one moves it out.
	all, slots := make([][]ledger.ID, positions), make([]ledger.ID, positions)
	for i := range intents {
		n := len(intents[i].Transfers)
		effects[i], all = all[:n:n], all[n:]
		for p := range effects[i] {
			effects[i][p], slots = slots[:0:1], slots[1:]
		}
	}
	var evidence []string
	for i := range st.TransferCount() {
		t := st.TransferUnitsAt(i) // its ID is all the usual case reads
		ref, ok := ids[t.ID]
		if !ok {
			full, _ := st.LookupTransfer(t.ID)
			ref, ok = matchIntent(full, intents, ids)
			if !ok {
				evidence = append(evidence, fmt.Sprintf("transfer %s matches no intent: money moved that no application asked for", t.ID))
				continue
			}
		}
		if ref.Intent < 0 || ref.Intent >= len(intents) || ref.Position >= len(intents[ref.Intent].Transfers) {
			evidence = append(evidence, fmt.Sprintf("transfer %s is recorded for intent %d position %d, which does not exist", t.ID, ref.Intent, ref.Position))
			continue
		}
		effects[ref.Intent][ref.Position] = append(effects[ref.Intent][ref.Position], t.ID)
	}
	return effects, evidence
}

// matchIntent finds the intent a transfer of unknown ID carries out, by
// what it moves; the first match in intent order wins, which is enough to
// count a duplicate (any match is a transfer the application never sent).
func matchIntent(t ledger.Transfer, intents []Intent, ids map[ledger.ID]IntentRef) (IntentRef, bool) {
	for i := range intents {
		for p, want := range intents[i].Transfers {
			if sameEffect(t, want, intents, ids) {
				return IntentRef{Intent: i, Position: p}, true
			}
		}
	}
	return IntentRef{}, false
}

// sameEffect compares what a transfer moves with what an intent asked. A
// post or void resolves to its reservation's accounts, so it is compared by
// the reservation it settles, which must belong to the same intent.
func sameEffect(got, want ledger.Transfer, intents []Intent, ids map[ledger.ID]IntentRef) bool {
	if got.Flags != want.Flags&^ledger.Linked {
		return false
	}
	if !want.PendingID.IsZero() {
		return sameIntent(got.PendingID, want.PendingID, intents, ids)
	}
	return got.DebitAccountID == want.DebitAccountID && got.CreditAccountID == want.CreditAccountID &&
		got.Amount.Equal(want.Amount) && got.Ledger == want.Ledger && got.Code == want.Code
}

func sameIntent(a, b ledger.ID, intents []Intent, ids map[ledger.ID]IntentRef) bool {
	ra, oka := ids[a]
	rb, okb := ids[b]
	return a == b || (oka && okb && ra == rb)
}

// judgeIntent checks one intent's effects against what the application
// was told.
func judgeIntent(in *Intent, effects [][]ledger.ID) []string {
	var out []string
	applied := 0
	for p, ts := range effects {
		if len(ts) > 1 {
			out = append(out, fmt.Sprintf("intent %d (transfer %d of %d) took effect %d times, as transfers %v",
				in.ID, p+1, len(effects), len(ts), ts))
		}
		if len(ts) > 0 {
			applied++
		}
	}
	switch {
	case applied > 0 && applied < len(effects):
		out = append(out, fmt.Sprintf("intent %d took effect in part: %d of its %d linked transfers", in.ID, applied, len(effects)))
	case in.Status == IntentAcknowledged && applied == 0:
		out = append(out, fmt.Sprintf("intent %d was acknowledged but never took effect (%d submissions)", in.ID, in.Submissions))
	case in.Status == IntentFailed && applied > 0:
		out = append(out, fmt.Sprintf("intent %d was reported failed but took effect", in.ID))
	}
	return out
}

// reconcileIntents recomputes every balance from the intents that took
// effect, each once, from what the application asked (not from the
// transfers the ledger recorded), and compares it with the ledger's.
func reconcileIntents(st *ledger.State, intents []Intent, ids map[ledger.ID]IntentRef, effects [][][]ledger.ID) []string {
	b := balanceSheet{}
	for i := range intents {
		for p, t := range intents[i].Transfers {
			if len(effects[i][p]) > 0 && !slices.ContainsFunc(effects[i][p], st.Expired) {
				b.apply(t, intents, ids) // an expired reservation moved nothing in the end
			}
		}
	}
	var out []string
	for _, a := range st.Accounts() {
		got, _ := accountCents(st, a.ID)
		if want := b[a.ID]; got != want {
			out = append(out, fmt.Sprintf("account %s has balances %v, the intents that took effect sum to %v", a.ID, got, want))
		}
	}
	for _, id := range sortedIDs(b) {
		if _, ok := st.LookupAccount(id); !ok {
			out = append(out, fmt.Sprintf("account %s is missing, though intents moved money through it", id))
		}
	}
	return out
}

// balanceSheet holds, per account, debits pending and posted and credits
// pending and posted, in units (modulo 2^128, so that a release taken
// before its reservation is added still sums exactly).
type balanceSheet map[ledger.ID][4]Units

func (b balanceSheet) add(id ledger.ID, i int, v Units) {
	s := b[id]
	s[i] = s[i].Plus(v)
	b[id] = s
}

func (b balanceSheet) sub(id ledger.ID, i int, v Units) {
	s := b[id]
	s[i] = s[i].Minus(v)
	b[id] = s
}

// accountCents are the four balances of st's account id in cents, and
// whether it exists (all zero if not), as cents converts the decimals
// LookupAccount gives, without them when its ledger counts in cents.
func accountCents(st *ledger.State, id ledger.ID) ([4]Units, bool) {
	a, ok := st.LookupAccountUnits(id)
	if ok && a.Scale != 2 {
		d, _ := st.LookupAccount(id)
		return [4]Units{cents(d.DebitsPending), cents(d.DebitsPosted), cents(d.CreditsPending), cents(d.CreditsPosted)}, true
	}
	b := a.Balances
	return [4]Units{unitsOf(b[0]), unitsOf(b[1]), unitsOf(b[2]), unitsOf(b[3])}, ok
}

// apply moves what one transfer of an intent asked for. A settlement
// takes its reservation's accounts and amount from the reservation's
// intent. A reservation that expired is left out by the caller; a
// settlement of it never applied (the ledger refused it as expired).
func (b balanceSheet) apply(t ledger.Transfer, intents []Intent, ids map[ledger.ID]IntentRef) {
	amount := cents(t.Amount)
	switch {
	case t.Flags&ledger.Pending != 0:
		b.add(t.DebitAccountID, 0, amount)
		b.add(t.CreditAccountID, 2, amount)
	case t.Flags&(ledger.PostPending|ledger.VoidPending) != 0:
		ref, ok := ids[t.PendingID]
		if !ok {
			return // its reservation is no intent's: the settlement could not apply
		}
		p := intents[ref.Intent].Transfers[ref.Position]
		pa := cents(p.Amount)
		b.sub(p.DebitAccountID, 0, pa)
		b.sub(p.CreditAccountID, 2, pa)
		if t.Flags&ledger.PostPending != 0 {
			posted := pa
			if !amount.IsZero() {
				posted = amount
			}
			b.add(p.DebitAccountID, 1, posted)
			b.add(p.CreditAccountID, 3, posted)
		}
	default:
		b.add(t.DebitAccountID, 1, amount)
		b.add(t.CreditAccountID, 3, amount)
	}
}

// cents is an amount in the workload's smallest unit (its ledger has scale
// 2, as ExactlyOnce assumes too).
func cents(d decimal.Decimal) Units { return UnitsOf(d, 2) }

func all[T any](xs []T, f func(T) bool) bool {
	return !slices.ContainsFunc(xs, func(x T) bool { return !f(x) })
}
func none[T any](xs []T, f func(T) bool) bool { return !slices.ContainsFunc(xs, f) }
