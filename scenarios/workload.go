package scenarios

import (
	"fmt"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/ledger"
	"github.com/faultline/faultline/scenarios/cluster"
)

// WorkloadSpec shapes the clients of a scenario: a bank's traffic.
type WorkloadSpec struct {
	// Clients is how many client nodes run, each a closed loop of requests.
	Clients int `json:"clients"`
	// Groups is how many disjoint groups of accounts there are; transfers
	// stay inside a group, which is what lets the linearizability check
	// partition the history.
	Groups int `json:"groups"`
	// ThinkTime is the mean pause between a client's requests.
	ThinkTime time.Duration `json:"think_time"`
	// OpenLoop paces each client by the clock instead of by completions:
	// requests are due every ThinkTime on average whether or not the last
	// one finished, and a client that falls behind sends the next at once
	// (arrivals, as from a bank's upstream systems, do not wait for us).
	OpenLoop bool `json:"open_loop"`
	// StopAt is when clients stop issuing new requests.
	StopAt time.Duration `json:"stop_at"`
	// Mix weighs the kinds of operation.
	Mix Mix `json:"mix"`
	// HotGroupShare is the share of operations aimed at group 0, the hot
	// accounts (0 spreads them evenly).
	HotGroupShare float64 `json:"hot_group_share"`
	// Bursts are periods of heavier traffic, such as the open and close
	// of a trading day: think time is divided by Factor.
	Bursts []Burst `json:"bursts,omitempty"`
	// RetryUnknownShare is the share of requests whose outcome stayed
	// unknown that the client submits again later with the same transfer
	// IDs, as a bank's client retries idempotently.
	RetryUnknownShare float64 `json:"retry_unknown_share"`
	// Client shapes timeouts and retries.
	Client cluster.ClientOptions `json:"-"`
}

// Mix weighs operation kinds; weights need not sum to anything.
type Mix struct {
	Simple  int `json:"simple"`  // a single-phase transfer
	Pending int `json:"pending"` // a two-phase reservation
	Settle  int `json:"settle"`  // post or void of a known reservation
	Linked  int `json:"linked"`  // a chain of two transfers, all or none
	Lookup  int `json:"lookup"`  // read a group's balances
	// Invalid is a transfer with one deliberate defect (a zero ID, equal
	// accounts, an amount finer than the ledger's scale or beyond 128 bits,
	// an unknown account or ledger, a settlement that contradicts its
	// reservation...), which the ledger must refuse with its own code.
	Invalid int `json:"invalid"`
}

// total is the sum of the weights.
func (m Mix) total() int { return m.Simple + m.Pending + m.Settle + m.Linked + m.Lookup + m.Invalid }

// Burst is a period of heavier traffic.
type Burst struct {
	From   time.Duration `json:"from"`
	To     time.Duration `json:"to"`
	Factor int           `json:"factor"`
}

// DefaultMix is a bank's everyday traffic.
var DefaultMix = Mix{Simple: 40, Pending: 15, Settle: 15, Linked: 10, Lookup: 20, Invalid: 5}

// groupAccountFlags are the flags of a group's accounts: one unrestricted
// (a bank's own account), two that may not overdraw, one that may not
// receive more than it sent, and one that reservations close (the last,
// closableAccount), so that transfers find it closed at times. The limits
// make results depend on order, which is what linearizability checks.
var groupAccountFlags = []ledger.AccountFlags{0, ledger.DebitsMustNotExceedCredits,
	ledger.DebitsMustNotExceedCredits, ledger.CreditsMustNotExceedDebits, 0}

// closableAccount is the index in its group of the account that closing
// reservations close. Resubmissions of a group's account IDs leave it out:
// whether it is closed changes the answer, and they are checked alone.
const closableAccount = 4

// USD is the ledger of the workload's accounts.
var USD = ledger.LedgerSpec{ID: 1, Scale: 2, Name: "USD"}

// EUR is a second ledger with no account of the workload on it: a
// transfer that names it between USD accounts is refused as a mismatch.
var EUR = ledger.LedgerSpec{ID: 2, Scale: 2, Name: "EUR"}

// LedgerConfig is the ledger every replica of a scenario runs.
var LedgerConfig = ledger.Config{Ledgers: []ledger.LedgerSpec{USD, EUR}}

func groupAccounts(groups int) [][]checkers.GroupAccount {
	out := make([][]checkers.GroupAccount, groups)
	for g := range out {
		for i, f := range groupAccountFlags {
			out[g] = append(out[g], checkers.GroupAccount{ID: ledger.IDFromUint64(uint64(g*16 + i + 1)), Flags: f})
		}
	}
	return out
}

func (w *WorkloadSpec) validate() error {
	switch {
	case w.Clients < 1 || w.Clients > 256:
		return fmt.Errorf("workload: clients must be 1..256, got %d", w.Clients)
	case w.Groups < 1 || w.Groups > 1024:
		return fmt.Errorf("workload: groups must be 1..1024, got %d", w.Groups)
	case w.ThinkTime < 0:
		return fmt.Errorf("workload: think_time must not be negative")
	case w.HotGroupShare < 0 || w.HotGroupShare > 1 || w.RetryUnknownShare < 0 || w.RetryUnknownShare > 1:
		return fmt.Errorf("workload: shares must be within [0, 1]")
	case w.Mix.Simple < 0 || w.Mix.Pending < 0 || w.Mix.Settle < 0 || w.Mix.Linked < 0 || w.Mix.Lookup < 0 || w.Mix.Invalid < 0:
		return fmt.Errorf("workload: mix weights must not be negative")
	case w.Mix.total() <= 0:
		return fmt.Errorf("workload: the mix has no operations")
	}
	for _, b := range w.Bursts {
		if b.Factor < 1 || b.To < b.From {
			return fmt.Errorf("workload: burst %v-%v x%d is malformed", b.From, b.To, b.Factor)
		}
	}
	return nil
}

// amountOf is a transfer amount of whole cents, 0.01 to 50.00 (and a
// little beyond, for settlements of more than was reserved). Amounts up to
// amountsSharedMax come from one table: a decimal is immutable (every
// operation on it makes a new one), so sharing them is safe, and drawing
// one then costs no allocation.
func amountOf(cents int64) decimal.Decimal {
	if cents >= 0 && cents <= amountsSharedMax {
		return sharedAmounts()[cents]
	}
	return decimal.New(cents, -2)
}

// amountsSharedMax is the largest amount in cents amountOf shares: the
// workload draws up to 5000, and settles up to 100 more than a reservation.
const amountsSharedMax = 5200

// sharedAmounts is amountOf's table, built once per process (sweeps run
// simulations on several goroutines; sync.OnceValue makes that safe).
var sharedAmounts = sync.OnceValue(func() []decimal.Decimal {
	out := make([]decimal.Decimal, amountsSharedMax+1)
	for c := range out {
		out[c] = decimal.New(int64(c), -2)
	}
	return out
})
