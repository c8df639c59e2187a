package ledger

import (
	"fmt"
	"slices"

	"github.com/shopspring/decimal"
)

// State is the whole ledger. It is not safe for concurrent use; the
// replicated log applies commands one at a time.
type State struct {
	cfg    Config
	scales map[uint32]uint8

	accounts  map[ID]*account
	transfers transferStore // in creation order
	byID      map[ID]uint32 // transfer ID -> index into transfers
	expiries  expiryQueue   // pending transfers with a timeout

	lastTimestamp uint64
	chain         [32]byte // digest of every command applied so far
	chainHash     chainHasher

	// sum is the running state digest (state_digest.go); the records the
	// current command changed are out of it until the command ends.
	sum            stateSum
	dirtyAccounts  []*account
	dirtyTransfers []uint32
	scratch        []byte // a record being hashed

	// Buffers apply reuses from command to command, so that the replicas'
	// apply path allocates nothing per event (apply.go).
	decoded events   // the command being applied, decoded or converted
	results []Result // its results
	reply   []byte   // ApplyEncoded's reply, before it is copied out

	// undo records changes while a linked chain is open, so a failed chain
	// can be rolled back; it is nil outside chains (no cost).
	undo      []undoStep
	recording bool
}

// account is an account with exact integer balances.
type account struct {
	id             ID
	ledger         uint32
	code           uint16
	flags          AccountFlags
	timestamp      uint64
	debitsPending  u128
	debitsPosted   u128
	creditsPending u128
	creditsPosted  u128
	dirty          bool     // out of the state digest until the command ends
	hash           [32]byte // its record's hash in the state digest, while not dirty
}

// transferStatus is where a transfer is in its life.
type transferStatus uint8

const (
	statusPosted  transferStatus = iota + 1 // a single-phase transfer, or a post
	statusPending                           // reserved, awaiting post, void or expiry
	statusSettled                           // a pending transfer that was posted
	statusVoided                            // a pending transfer that was voided
	statusExpired                           // a pending transfer whose timeout passed
	statusVoid                              // a void event itself
)

// transfer keeps an applied transfer as resolved (what it did) and, as
// the fields its request left empty, as submitted (idempotency compares
// resubmissions against it, and its record holds both): request() rebuilds
// the request. A request is its resolution but for the fields a post or a
// void may leave for its pending transfer to fill, so keeping it whole
// would double a transfer's size for a few bits (store.go).
type transfer struct {
	res       transferFields // resolved: accounts, amount, ledger of effect
	timestamp uint64
	status    transferStatus
	dirty     bool        // out of the state digest until the command ends
	empty     emptyFields // the request's fields the resolution filled in
}

type transferFields struct {
	id, debit, credit, pendingID ID
	amount                       u128
	ledger                       uint32
	code                         uint16
	flags                        TransferFlags
	timeout                      uint64
}

// New returns an empty ledger.
func New(cfg Config) (*State, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &State{cfg: cfg, scales: make(map[uint32]uint8, len(cfg.Ledgers)),
		accounts: make(map[ID]*account), byID: make(map[ID]uint32)}
	for _, l := range cfg.Ledgers {
		s.scales[l.ID] = l.Scale
	}
	return s, nil
}

// Config returns the ledger definitions.
func (s *State) Config() Config { return s.cfg }

// LastTimestamp returns the timestamp of the last applied event.
func (s *State) LastTimestamp() uint64 { return s.lastTimestamp }

// ChainDigest returns the digest of every command applied so far.
func (s *State) ChainDigest() [32]byte { return s.chain }

// AccountCount returns how many accounts exist.
func (s *State) AccountCount() int { return len(s.accounts) }

// TransferCount returns how many transfers have been applied.
func (s *State) TransferCount() int { return s.transfers.len() }

// LookupAccount returns an account and whether it exists.
func (s *State) LookupAccount(id ID) (Account, bool) {
	a := s.accounts[id]
	if a == nil {
		return Account{}, false
	}
	return a.export(s.scales[a.ledger]), true
}

// LookupTransfer returns a transfer, as resolved, and whether it exists.
func (s *State) LookupTransfer(id ID) (Transfer, bool) {
	i, ok := s.byID[id]
	if !ok {
		return Transfer{}, false
	}
	t := s.transfers.at(i)
	return t.export(s.scales[t.res.ledger]), true
}

func (a *account) export(scale uint8) Account {
	return Account{ID: a.id, Ledger: a.ledger, Code: a.code, Flags: a.flags, Timestamp: a.timestamp,
		DebitsPending: a.debitsPending.decimal(scale), DebitsPosted: a.debitsPosted.decimal(scale),
		CreditsPending: a.creditsPending.decimal(scale), CreditsPosted: a.creditsPosted.decimal(scale)}
}

// Holds reports whether the ledger holds t as applied: a transfer under
// t's ID that is the very event t describes (a resubmission of t would be
// answered Exists), and the timestamp it was applied at.
func (s *State) Holds(t *Transfer) (uint64, bool) {
	i, ok := s.byID[t.ID]
	if !ok || t.ID.IsZero() {
		return 0, false
	}
	e, ev := s.transfers.at(i), transferEventOf(t)
	return e.timestamp, s.compareTransfer(e, &ev) == Exists
}

// Expired reports whether transfer id is a pending transfer whose timeout
// passed before anyone posted or voided it.
func (s *State) Expired(id ID) bool {
	i, ok := s.byID[id]
	return ok && s.transfers.at(i).status == statusExpired
}

func (t *transfer) export(scale uint8) Transfer {
	r := &t.res
	return Transfer{ID: r.id, DebitAccountID: r.debit, CreditAccountID: r.credit, Amount: r.amount.decimal(scale),
		PendingID: r.pendingID, Ledger: r.ledger, Code: r.code, Flags: r.flags, Timeout: r.timeout, Timestamp: t.timestamp}
}

// Balances returns, per ledger, the total debits and credits (posted and
// pending) over all accounts. Double entry makes them equal.
func (s *State) Balances() map[uint32]LedgerTotals {
	out := make(map[uint32]LedgerTotals, len(s.scales))
	sums := make(map[uint32]*[4]u128)
	for _, a := range s.accounts {
		t := sums[a.ledger]
		if t == nil {
			t = &[4]u128{}
			sums[a.ledger] = t
		}
		t[0], _ = t[0].add(a.debitsPending)
		t[1], _ = t[1].add(a.debitsPosted)
		t[2], _ = t[2].add(a.creditsPending)
		t[3], _ = t[3].add(a.creditsPosted)
	}
	for id, t := range sums {
		sc := s.scales[id]
		out[id] = LedgerTotals{DebitsPending: t[0].decimal(sc), DebitsPosted: t[1].decimal(sc),
			CreditsPending: t[2].decimal(sc), CreditsPosted: t[3].decimal(sc)}
	}
	return out
}

// LedgerTotals are one ledger's summed balances.
type LedgerTotals struct {
	DebitsPending, DebitsPosted, CreditsPending, CreditsPosted decimal.Decimal
}

// CheckInvariants verifies the state's own bookkeeping: per ledger, debits
// equal credits, pending and posted; no flagged limit is crossed. It is
// what tests and the conservation checker call after every apply.
func (s *State) CheckInvariants() error {
	for id, t := range s.Balances() {
		if !t.DebitsPending.Equal(t.CreditsPending) || !t.DebitsPosted.Equal(t.CreditsPosted) {
			return fmt.Errorf("ledger %d: debits %s pending %s posted, credits %s pending %s posted",
				id, t.DebitsPending, t.DebitsPosted, t.CreditsPending, t.CreditsPosted)
		}
	}
	for _, id := range s.sortedAccountIDs() { // sorted: the first error reported is stable
		a := s.accounts[id]
		debits, _ := a.debitsPending.add(a.debitsPosted)
		credits, _ := a.creditsPending.add(a.creditsPosted)
		if a.flags&DebitsMustNotExceedCredits != 0 && debits.cmp(a.creditsPosted) > 0 {
			return fmt.Errorf("account %s: debits exceed credits against its flags", a.id)
		}
		if a.flags&CreditsMustNotExceedDebits != 0 && credits.cmp(a.debitsPosted) > 0 {
			return fmt.Errorf("account %s: credits exceed debits against its flags", a.id)
		}
	}
	return nil
}

func (s *State) sortedAccountIDs() []ID {
	ids := make([]ID, 0, len(s.accounts))
	for id := range s.accounts {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, compareIDs)
	return ids
}

// Accounts returns every account, sorted by ID.
func (s *State) Accounts() []Account {
	ids := s.sortedAccountIDs()
	out := make([]Account, len(ids))
	for i, id := range ids {
		a := s.accounts[id]
		out[i] = a.export(s.scales[a.ledger])
	}
	return out
}

// Transfers returns every applied transfer, as resolved, in the order the
// ledger applied them: auditors (and the intent checker) need the transfers
// no one asked about by ID, which LookupTransfer cannot find.
func (s *State) Transfers() []Transfer {
	out := make([]Transfer, s.transfers.len())
	for i := range out {
		t := s.transfers.at(uint32(i))
		out[i] = t.export(s.scales[t.res.ledger])
	}
	return out
}
