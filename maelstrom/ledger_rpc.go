package maelstrom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/faultline/faultline/ledger"
)

// Ledger RPCs, for ledger clients under Maelstrom. IDs are decimal strings
// (128-bit); amounts are decimal strings ("12.50").
//
//	{"type":"create_accounts","accounts":[{"id":"1","ledger":1,"code":1,"flags":0}]}
//	{"type":"create_transfers","transfers":[{"id":"9","debit_account_id":"1","credit_account_id":"2","amount":"12.50","ledger":1,"code":1}]}
//	{"type":"lookup_accounts","ids":["1","2"]}
//	{"type":"lookup_transfers","ids":["9"]}
//
// Replies are <type>_ok with "results" (one result name per event, such as
// "ok" or "exceeds_credits"), "accounts" or "transfers".
type ledgerRequest struct {
	Type      string          `json:"type"`
	MsgID     json.RawMessage `json:"msg_id"`
	Accounts  []accountIn     `json:"accounts"`
	Transfers []transferIn    `json:"transfers"`
	IDs       []string        `json:"ids"`
}

// accountIn is an account as a client sends it. Every field of the
// ledger's Account is here, the output-only ones too, so that a client
// that sets them hears the ledger's own refusal (balances_must_be_zero,
// timestamp_must_be_zero) rather than having them dropped in silence.
type accountIn struct {
	ID             string `json:"id"`
	Ledger         uint32 `json:"ledger"`
	Code           uint16 `json:"code"`
	Flags          uint16 `json:"flags"`
	DebitsPending  string `json:"debits_pending"`
	DebitsPosted   string `json:"debits_posted"`
	CreditsPending string `json:"credits_pending"`
	CreditsPosted  string `json:"credits_posted"`
	Timestamp      uint64 `json:"timestamp"`
}

// transferIn is a transfer as a client sends it; as with accountIn, the
// output-only timestamp goes to the ledger, which refuses it unless zero.
type transferIn struct {
	ID              string `json:"id"`
	DebitAccountID  string `json:"debit_account_id"`
	CreditAccountID string `json:"credit_account_id"`
	Amount          string `json:"amount"`
	PendingID       string `json:"pending_id"`
	Ledger          uint32 `json:"ledger"`
	Code            uint16 `json:"code"`
	Flags           uint16 `json:"flags"`
	Timeout         uint64 `json:"timeout"`
	Timestamp       uint64 `json:"timestamp"`
}

// accountOut and transferOut are what lookups answer: the same fields as
// a client sends, so that what a lookup returns could be sent again.
type (
	accountOut  = accountIn
	transferOut = transferIn
)

var maxID = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))

// parseID reads a 128-bit ID written in decimal digits. An absent field
// (empty string) is the zero ID, which the ledger refuses with its own
// result code where an ID is required.
func parseID(s string) (ledger.ID, error) {
	if s == "" {
		return ledger.ID{}, nil
	}
	if len(s) > 39 || strings.Trim(s, "0123456789") != "" {
		return ledger.ID{}, fmt.Errorf("%q is not a decimal number below 2^128 (digits only)", s)
	}
	if len(s) <= 19 { // below 10^19 < 2^64: the common IDs, without big.Int's allocations
		lo, _ := strconv.ParseUint(s, 10, 64) // digits only: it parses
		return ledger.ID{Lo: lo}, nil
	}
	v, _ := new(big.Int).SetString(s, 10) // digits only: it parses
	if v.Cmp(maxID) > 0 {
		return ledger.ID{}, fmt.Errorf("%q is not below 2^128", s)
	}
	lo := new(big.Int).And(v, new(big.Int).SetUint64(^uint64(0))).Uint64()
	return ledger.ID{Hi: new(big.Int).Rsh(v, 64).Uint64(), Lo: lo}, nil
}

func formatID(id ledger.ID) string {
	if id.Hi == 0 {
		return strconv.FormatUint(id.Lo, 10) // the common IDs, without big.Int's allocations
	}
	v := new(big.Int).SetUint64(id.Hi)
	v.Lsh(v, 64).Or(v, new(big.Int).SetUint64(id.Lo))
	return v.String()
}

// amountDigitsMax bounds the digits of an amount: far beyond any 128-bit
// balance (39 digits) at any scale the ledger allows, yet inside what the
// ledger's codec carries (a coefficient of at most 32 bytes, an exponent
// of at most 64), so that every amount accepted here reaches the ledger,
// which judges it (amount_scale_exceeds_ledger, overflow, ...).
const amountDigitsMax = 64

// parseAmount reads a plain decimal ("12.50", "-3", "0.001"); the sign and
// the scale are the ledger's to judge. Absent is zero.
func parseAmount(s string) (decimal.Decimal, error) {
	if s == "" {
		return decimal.Zero, nil
	}
	digits := strings.TrimPrefix(s, "-")
	whole, frac, point := strings.Cut(digits, ".")
	switch {
	case whole == "" || strings.Trim(whole, "0123456789") != "",
		point && (frac == "" || strings.Trim(frac, "0123456789") != ""):
		return decimal.Zero, fmt.Errorf("%q is not a plain decimal number (digits, optionally a point and more digits)", s)
	case len(whole)+len(frac) > amountDigitsMax:
		return decimal.Zero, fmt.Errorf("%q has over %d digits", s, amountDigitsMax)
	}
	return decimal.NewFromString(s)
}

// decodeLedgerRequest parses a ledger RPC body strictly: unknown fields,
// fields of another request type, missing lists and over-long batches are
// refused, each with its own text.
func decodeLedgerRequest(raw json.RawMessage) (ledgerRequest, error) {
	var q ledgerRequest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		return q, fmt.Errorf("malformed %s request: %v", typeOf(raw), err)
	}
	wants := map[string]string{"create_accounts": "accounts", "create_transfers": "transfers",
		"lookup_accounts": "ids", "lookup_transfers": "ids"}[q.Type]
	given := map[string]bool{"accounts": q.Accounts != nil, "transfers": q.Transfers != nil, "ids": q.IDs != nil}
	for _, field := range []string{"accounts", "transfers", "ids"} {
		if given[field] && field != wants {
			return q, fmt.Errorf("%s takes %s, not %s", q.Type, wants, field)
		}
	}
	if !given[wants] {
		return q, fmt.Errorf("%s needs %s (a list)", q.Type, wants)
	}
	if n := len(q.Accounts) + len(q.Transfers) + len(q.IDs); n > ledger.BatchEventsMax {
		return q, fmt.Errorf("%s: %d events, at most %d in one request", q.Type, n, ledger.BatchEventsMax)
	}
	return q, nil
}

// typeOf is the request type for an error text, whatever else is wrong.
func typeOf(raw json.RawMessage) string {
	var t struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(raw, &t)
	return t.Type
}

// toCommand turns a request into a ledger command.
func (q *ledgerRequest) toCommand() (ledger.Command, error) {
	switch q.Type {
	case "create_accounts":
		cmd := ledger.Command{Op: ledger.OpCreateAccounts}
		for i, a := range q.Accounts {
			acct, err := a.toAccount()
			if err != nil {
				return cmd, fmt.Errorf("accounts[%d].%w", i, err)
			}
			cmd.Accounts = append(cmd.Accounts, acct)
		}
		return cmd, nil
	case "create_transfers":
		cmd := ledger.Command{Op: ledger.OpCreateTransfers}
		for i, t := range q.Transfers {
			tr, err := t.toTransfer()
			if err != nil {
				return cmd, fmt.Errorf("transfers[%d].%w", i, err)
			}
			cmd.Transfers = append(cmd.Transfers, tr)
		}
		return cmd, nil
	case "lookup_accounts", "lookup_transfers":
		cmd := ledger.Command{Op: ledger.OpLookupAccounts}
		if q.Type == "lookup_transfers" {
			cmd.Op = ledger.OpLookupTransfers
		}
		for i, s := range q.IDs {
			id, err := parseID(s)
			if err != nil {
				return cmd, fmt.Errorf("ids[%d]: %w", i, err)
			}
			cmd.IDs = append(cmd.IDs, id)
		}
		return cmd, nil
	}
	return ledger.Command{}, fmt.Errorf("unknown ledger request %q", q.Type)
}

func (a accountIn) toAccount() (ledger.Account, error) {
	out := ledger.Account{Ledger: a.Ledger, Code: a.Code, Flags: ledger.AccountFlags(a.Flags), Timestamp: a.Timestamp}
	var err error
	if out.ID, err = parseID(a.ID); err != nil {
		return out, fmt.Errorf("id: %w", err)
	}
	balances := []struct {
		name string
		in   string
		out  *decimal.Decimal
	}{{"debits_pending", a.DebitsPending, &out.DebitsPending}, {"debits_posted", a.DebitsPosted, &out.DebitsPosted},
		{"credits_pending", a.CreditsPending, &out.CreditsPending}, {"credits_posted", a.CreditsPosted, &out.CreditsPosted}}
	for _, b := range balances {
		if *b.out, err = parseAmount(b.in); err != nil {
			return out, fmt.Errorf("%s: %w", b.name, err)
		}
	}
	return out, nil
}

func (t transferIn) toTransfer() (ledger.Transfer, error) {
	out := ledger.Transfer{Ledger: t.Ledger, Code: t.Code, Flags: ledger.TransferFlags(t.Flags), Timeout: t.Timeout, Timestamp: t.Timestamp}
	var err error
	ids := []struct {
		name string
		in   string
		out  *ledger.ID
	}{{"id", t.ID, &out.ID}, {"debit_account_id", t.DebitAccountID, &out.DebitAccountID},
		{"credit_account_id", t.CreditAccountID, &out.CreditAccountID}, {"pending_id", t.PendingID, &out.PendingID}}
	for _, f := range ids {
		if *f.out, err = parseID(f.in); err != nil {
			return out, fmt.Errorf("%s: %w", f.name, err)
		}
	}
	if out.Amount, err = parseAmount(t.Amount); err != nil {
		return out, fmt.Errorf("amount: %w", err)
	}
	return out, nil
}

// handleLedger serves a ledger request through the replicated log.
func (n *Node) handleLedger(in inbound) {
	n.proposeLedger(in.msg.Body, func(body any) { n.replyTo(in, body) })
}

func (n *Node) proposeLedger(raw json.RawMessage, reply func(any)) {
	req, err := decodeLedgerRequest(raw)
	if err != nil {
		reply(errorBody(CodeMalformedRequest, err.Error()))
		return
	}
	cmd, err := req.toCommand()
	if err != nil {
		reply(errorBody(CodeMalformedRequest, fmt.Sprintf("%s: %v", req.Type, err)))
		return
	}
	encoded := ledger.EncodeCommand(cmd)
	if _, err := ledger.DecodeCommand(encoded); err != nil { // nothing the ledger cannot read enters the log
		reply(errorBody(CodeMalformedRequest, fmt.Sprintf("%s: the ledger cannot carry it: %v", req.Type, err)))
		return
	}
	n.submit(append([]byte{forLedger}, encoded...), reply, func(result []byte) any { return ledgerReplyBody(req.Type, result) })
}

func ledgerReplyBody(typ string, result []byte) any {
	rep, err := ledger.DecodeReply(result)
	if err != nil {
		return errorBody(CodeCrash, "the ledger could not apply the command") // checked before it was sent: a bug
	}
	body := map[string]any{"type": typ + "_ok"}
	switch typ {
	case "create_accounts", "create_transfers":
		names := make([]string, len(rep.Results))
		for i, r := range rep.Results {
			names[i] = r.String()
		}
		body["results"] = names
	case "lookup_accounts":
		accounts := []accountOut{}
		for _, a := range rep.Accounts {
			accounts = append(accounts, accountOut{ID: formatID(a.ID), Ledger: a.Ledger, Code: a.Code, Flags: uint16(a.Flags),
				DebitsPending: a.DebitsPending.String(), DebitsPosted: a.DebitsPosted.String(),
				CreditsPending: a.CreditsPending.String(), CreditsPosted: a.CreditsPosted.String(), Timestamp: a.Timestamp})
		}
		body["accounts"] = accounts
	case "lookup_transfers":
		transfers := []transferOut{}
		for _, t := range rep.Transfers {
			transfers = append(transfers, transferOut{ID: formatID(t.ID), DebitAccountID: formatID(t.DebitAccountID),
				CreditAccountID: formatID(t.CreditAccountID), Amount: t.Amount.String(), PendingID: formatID(t.PendingID),
				Ledger: t.Ledger, Code: t.Code, Flags: uint16(t.Flags), Timeout: t.Timeout, Timestamp: t.Timestamp})
		}
		body["transfers"] = transfers
	}
	return body
}
