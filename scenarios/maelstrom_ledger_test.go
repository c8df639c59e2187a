package scenarios

import (
	"math/rand/v2"
	"testing"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/ledger"
)

// TestMaelstromLedgerClientsReachTheRPCPath runs a maelstrom-node seed and
// checks that its ledger clients did what they are for: transfers applied
// and refused through create_transfers, lookups answered, and every
// ledger invariant judged (and held).
func TestMaelstromLedgerClientsReachTheRPCPath(t *testing.T) {
	skipSingleGoroutineUnderRace(t)
	sc, ok := Lookup("maelstrom-node")
	if !ok {
		t.Fatal("no maelstrom-node scenario")
	}
	o, err := Run(&sc, 2, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	judged := map[string]bool{}
	for _, v := range o.Verdicts {
		judged[v.Invariant] = true
		if v.Status != checkers.Pass {
			t.Errorf("%s: %s %v", v.Invariant, v.Status, v.Evidence)
		}
	}
	for _, inv := range []string{"ledger-linearizability", "conservation", "durability", "exactly-once", "replica-state"} {
		if !judged[inv] {
			t.Errorf("no %s verdict", inv)
		}
	}
	codes := o.History.ResultCodes
	t.Logf("result codes: %v", codes)
	if codes[ledger.Ok] < 20 {
		t.Errorf("%d transfers applied through create_transfers, want at least 20", codes[ledger.Ok])
	}
	refused := 0
	for r, n := range codes {
		if !r.Succeeded() {
			refused += n
		}
	}
	if refused < 5 {
		t.Errorf("%d transfers refused, want at least 5: the invalid ones must reach the ledger", refused)
	}
}

// TestLedgerRPCRepliesMapOntoTheModel pins how a ledger client reads a
// reply: definite errors drop the operation, other errors and unreadable
// answers leave it unknown, results and balances are taken as given, and a
// lookup that misses an account holds balances no state can match.
func TestLedgerRPCRepliesMapOntoTheModel(t *testing.T) {
	w := newLedgerRPCWorkload(WorkloadSpec{Clients: 1, Groups: 1})
	transfer := checkers.LedgerInput{Group: 0, Transfers: []ledger.Transfer{w.gen.transfer(rand.New(rand.NewPCG(1, 2)), 0, 0)}}
	lookup := checkers.LedgerInput{Group: 1}
	reply := func(typ string, code int, results []string, accounts int) ledgerRPCReply {
		var r ledgerRPCReply
		r.Body.Type, r.Body.Code, r.Body.Results = typ, code, results
		for i := range accounts {
			r.Body.Accounts = append(r.Body.Accounts, ledgerRPCAccount{ID: decimalID(w.gen.groups[1][i].ID), Ledger: 1, Code: 1, DebitsPending: "0", DebitsPosted: "1.25", CreditsPending: "0", CreditsPosted: "0"})
		}
		return r
	}
	cases := []struct {
		name     string
		in       checkers.LedgerInput
		r        ledgerRPCReply
		definite bool
		unknown  bool
		check    func(checkers.LedgerOutput) bool
	}{
		{"temporarily unavailable did not happen", transfer, reply("error", 11, nil, 0), true, false, nil},
		{"a crash may have happened", transfer, reply("error", 13, nil, 0), false, true, nil},
		{"a timeout may have happened", transfer, reply("error", 0, nil, 0), false, true, nil},
		{"results are taken as given", transfer, reply("create_transfers_ok", 0, []string{"exceeds_credits"}, 0), false, false,
			func(o checkers.LedgerOutput) bool {
				return len(o.Results) == 1 && o.Results[0] == ledger.ExceedsCredits
			}},
		{"an unknown result name tells nothing", transfer, reply("create_transfers_ok", 0, []string{"fine"}, 0), false, true, nil},
		{"a lookup's answer to a transfer tells nothing", transfer, reply("lookup_accounts_ok", 0, nil, 5), false, true, nil},
		{"balances in units, in the group's order", lookup, reply("lookup_accounts_ok", 0, nil, 5), false, false,
			func(o checkers.LedgerOutput) bool { return len(o.Balances) == 5 && o.Balances[4][1] == checkers.U(125) }},
		{"a missing account matches no state", lookup, reply("lookup_accounts_ok", 0, nil, 4), false, false,
			func(o checkers.LedgerOutput) bool { return len(o.Balances) == 0 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, definite := w.interpret(c.in, c.r)
			if definite != c.definite || (!definite && out.Unknown != c.unknown) || (c.check != nil && !c.check(out)) {
				t.Errorf("got %+v definite=%v", out, definite)
			}
		})
	}
}
