package ledger

// Result is the outcome of one event. Ok and Exists are successes (Exists:
// an identical event already applied, so nothing changed); every other code
// says why the event was refused, and a refused event changes nothing.
type Result uint16

// Result codes. Their numbers are part of the wire format: append only.
const (
	Ok Result = iota
	LinkedEventFailed
	LinkedEventChainOpen
	IDMustNotBeZero
	FlagsAreMutuallyExclusive
	FlagsAreUnknown
	LedgerMustNotBeZero
	LedgerNotFound
	CodeMustNotBeZero
	BalancesMustBeZero
	TimestampMustBeZero
	Exists
	ExistsWithDifferentFlags
	ExistsWithDifferentLedger
	ExistsWithDifferentCode
	ExistsWithDifferentDebitAccountID
	ExistsWithDifferentCreditAccountID
	ExistsWithDifferentAmount
	ExistsWithDifferentPendingID
	ExistsWithDifferentTimeout
	DebitAccountIDMustNotBeZero
	CreditAccountIDMustNotBeZero
	AccountsMustBeDifferent
	AmountMustBePositive
	AmountMustNotBeNegative
	AmountScaleExceedsLedger
	DebitAccountNotFound
	CreditAccountNotFound
	LedgerMismatch
	DebitAccountClosed
	CreditAccountClosed
	ExceedsCredits
	ExceedsDebits
	Overflow
	TimeoutReservedForPendingTransfer
	CloseFlagsRequirePending
	PendingIDMustNotBeZero
	PendingIDMustBeDifferent
	PendingIDReservedForPostOrVoid
	PendingTransferNotFound
	PendingTransferNotPending
	PendingTransferHasDifferentDebitAccountID
	PendingTransferHasDifferentCreditAccountID
	PendingTransferHasDifferentLedger
	PendingTransferHasDifferentCode
	PendingTransferHasDifferentAmount
	ExceedsPendingTransferAmount
	PendingTransferAlreadyPosted
	PendingTransferAlreadyVoided
	PendingTransferExpired

	resultCount
)

var resultNames = [resultCount]string{
	"ok", "linked_event_failed", "linked_event_chain_open", "id_must_not_be_zero",
	"flags_are_mutually_exclusive", "flags_are_unknown", "ledger_must_not_be_zero", "ledger_not_found",
	"code_must_not_be_zero", "balances_must_be_zero", "timestamp_must_be_zero", "exists",
	"exists_with_different_flags", "exists_with_different_ledger", "exists_with_different_code",
	"exists_with_different_debit_account_id", "exists_with_different_credit_account_id",
	"exists_with_different_amount", "exists_with_different_pending_id", "exists_with_different_timeout",
	"debit_account_id_must_not_be_zero", "credit_account_id_must_not_be_zero", "accounts_must_be_different",
	"amount_must_be_positive", "amount_must_not_be_negative", "amount_scale_exceeds_ledger",
	"debit_account_not_found", "credit_account_not_found", "ledger_mismatch", "debit_account_closed",
	"credit_account_closed", "exceeds_credits", "exceeds_debits", "overflow",
	"timeout_reserved_for_pending_transfer", "close_flags_require_pending", "pending_id_must_not_be_zero",
	"pending_id_must_be_different", "pending_id_reserved_for_post_or_void", "pending_transfer_not_found",
	"pending_transfer_not_pending", "pending_transfer_has_different_debit_account_id",
	"pending_transfer_has_different_credit_account_id", "pending_transfer_has_different_ledger",
	"pending_transfer_has_different_code", "pending_transfer_has_different_amount",
	"exceeds_pending_transfer_amount", "pending_transfer_already_posted", "pending_transfer_already_voided",
	"pending_transfer_expired",
}

// AllResults lists every result code, in wire order.
func AllResults() []Result {
	out := make([]Result, resultCount)
	for i := range out {
		out[i] = Result(i)
	}
	return out
}

// String names the result as TigerBeetle's snake_case codes do.
func (r Result) String() string {
	if r < resultCount {
		return resultNames[r]
	}
	return "unknown_result"
}

// Succeeded reports whether the event is in effect: applied now (Ok) or
// already (Exists).
func (r Result) Succeeded() bool { return r == Ok || r == Exists }
