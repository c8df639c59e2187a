package ledger

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// LedgerSpec defines one ledger: an asset or currency with its decimal
// scale, such as USD with scale 2.
type LedgerSpec struct {
	ID    uint32 `json:"id"`
	Scale uint8  `json:"scale"` // decimal places of the smallest unit, 0..18
	Name  string `json:"name"`
}

// Config lists the ledgers a State knows. Every replica must have the same.
type Config struct {
	Ledgers []LedgerSpec `json:"ledgers"`
}

// Validate names the first bad field.
func (c Config) Validate() error {
	if len(c.Ledgers) == 0 || len(c.Ledgers) > LedgersMax {
		return fmt.Errorf("ledger config: ledgers: need 1 to %d, got %d", LedgersMax, len(c.Ledgers))
	}
	for i, l := range c.Ledgers {
		switch {
		case l.ID == 0:
			return fmt.Errorf("ledger config: ledgers[%d]: id must not be zero", i)
		case l.Scale > 18:
			return fmt.Errorf("ledger config: ledgers[%d]: scale %d is above 18", i, l.Scale)
		case len(l.Name) > 64:
			return fmt.Errorf("ledger config: ledgers[%d]: name longer than 64 bytes", i)
		}
		for j := range i {
			if c.Ledgers[j].ID == l.ID {
				return fmt.Errorf("ledger config: ledgers[%d]: id %d already used by ledgers[%d]", i, l.ID, j)
			}
		}
	}
	return nil
}

// LedgersMax bounds the ledgers of one State.
const LedgersMax = 1024

// AccountFlags are an account's rules.
type AccountFlags uint16

const (
	// DebitsMustNotExceedCredits forbids debits (pending and posted) above
	// posted credits: an asset the holder must have before spending.
	DebitsMustNotExceedCredits AccountFlags = 1 << iota
	// CreditsMustNotExceedDebits forbids credits (pending and posted) above
	// posted debits.
	CreditsMustNotExceedDebits
	// Closed accounts take no new transfers. Set at creation, or by a
	// pending transfer with CloseDebit/CloseCredit (voiding it reopens).
	Closed
	// AccountLinked chains this account's creation to the next event's.
	AccountLinked

	accountFlagsAll = DebitsMustNotExceedCredits | CreditsMustNotExceedDebits | Closed | AccountLinked
)

// Account is an account and its balances.
type Account struct {
	ID     ID
	Ledger uint32
	Code   uint16
	Flags  AccountFlags
	// Balances, in the ledger's currency. On creation they must be zero.
	DebitsPending  decimal.Decimal
	DebitsPosted   decimal.Decimal
	CreditsPending decimal.Decimal
	CreditsPosted  decimal.Decimal
	// Timestamp is when the ledger created the account (output only).
	Timestamp uint64
}

// TransferFlags choose a transfer's kind.
type TransferFlags uint16

const (
	// Linked chains this event to the next: the chain applies all or none.
	Linked TransferFlags = 1 << iota
	// Pending reserves the amount (two-phase): it moves to the pending
	// balances until posted, voided or expired.
	Pending
	// PostPending settles the pending transfer PendingID, for its amount or
	// a smaller one (Amount zero means the full amount).
	PostPending
	// VoidPending releases the pending transfer PendingID.
	VoidPending
	// CloseDebit (with Pending) closes the debit account once the transfer
	// applies; voiding the transfer reopens it.
	CloseDebit
	// CloseCredit (with Pending) closes the credit account likewise.
	CloseCredit

	transferFlagsAll = Linked | Pending | PostPending | VoidPending | CloseDebit | CloseCredit
)

// Transfer moves an amount from a debit account to a credit account.
type Transfer struct {
	ID              ID
	DebitAccountID  ID
	CreditAccountID ID
	Amount          decimal.Decimal
	// PendingID names the pending transfer a post or void settles.
	PendingID ID
	Ledger    uint32
	Code      uint16
	Flags     TransferFlags
	// Timeout, for pending transfers, is how long (in nanoseconds of ledger
	// time) the reservation lasts; 0 means it never expires.
	Timeout uint64
	// Timestamp is when the ledger applied the transfer (output only).
	Timestamp uint64
}

// Operation is what a Command does.
type Operation uint8

// Operations. Their numbers are part of the wire format.
const (
	OpCreateAccounts Operation = iota + 1
	OpCreateTransfers
	OpLookupAccounts
	OpLookupTransfers
)

// String names the operation.
func (o Operation) String() string {
	switch o {
	case OpCreateAccounts:
		return "create_accounts"
	case OpCreateTransfers:
		return "create_transfers"
	case OpLookupAccounts:
		return "lookup_accounts"
	case OpLookupTransfers:
		return "lookup_transfers"
	}
	return fmt.Sprintf("operation(%d)", uint8(o))
}

// Command is one request to the ledger: a batch of events of one kind,
// applied in order, atomically per linked chain. Lookups go through the
// replicated log like any command, which makes them linearizable.
type Command struct {
	Op        Operation
	Accounts  []Account  // OpCreateAccounts
	Transfers []Transfer // OpCreateTransfers
	IDs       []ID       // lookups
}

// BatchEventsMax bounds the events of one command (as TigerBeetle's 8190).
const BatchEventsMax = 8190

// Reply is a command's outcome.
type Reply struct {
	// Results holds one result per event of a create command, in order.
	Results []Result
	// Accounts and Transfers hold what a lookup found, in the order asked;
	// IDs not found are left out.
	Accounts  []Account
	Transfers []Transfer
	// Timestamp is the ledger time of the batch's first event.
	Timestamp uint64
}
