package maelstrom

import (
	"encoding/json"
	"fmt"
	"math/big"

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
	Type      string         `json:"type"`
	Accounts  []jsonAccount  `json:"accounts,omitempty"`
	Transfers []jsonTransfer `json:"transfers,omitempty"`
	IDs       []string       `json:"ids,omitempty"`
}

type jsonAccount struct {
	ID             string `json:"id"`
	Ledger         uint32 `json:"ledger"`
	Code           uint16 `json:"code"`
	Flags          uint16 `json:"flags"`
	DebitsPending  string `json:"debits_pending,omitempty"`
	DebitsPosted   string `json:"debits_posted,omitempty"`
	CreditsPending string `json:"credits_pending,omitempty"`
	CreditsPosted  string `json:"credits_posted,omitempty"`
	Timestamp      uint64 `json:"timestamp,omitempty"`
}

type jsonTransfer struct {
	ID              string `json:"id"`
	DebitAccountID  string `json:"debit_account_id,omitempty"`
	CreditAccountID string `json:"credit_account_id,omitempty"`
	Amount          string `json:"amount,omitempty"`
	PendingID       string `json:"pending_id,omitempty"`
	Ledger          uint32 `json:"ledger,omitempty"`
	Code            uint16 `json:"code,omitempty"`
	Flags           uint16 `json:"flags,omitempty"`
	Timeout         uint64 `json:"timeout,omitempty"`
	Timestamp       uint64 `json:"timestamp,omitempty"`
}

var maxID = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))

func parseID(s string) (ledger.ID, error) {
	if s == "" {
		return ledger.ID{}, nil
	}
	v, ok := new(big.Int).SetString(s, 10)
	if !ok || v.Sign() < 0 || v.Cmp(maxID) > 0 {
		return ledger.ID{}, fmt.Errorf("id %q is not a decimal number below 2^128", s)
	}
	lo := new(big.Int).And(v, new(big.Int).SetUint64(^uint64(0))).Uint64()
	return ledger.ID{Hi: new(big.Int).Rsh(v, 64).Uint64(), Lo: lo}, nil
}

func formatID(id ledger.ID) string {
	v := new(big.Int).SetUint64(id.Hi)
	v.Lsh(v, 64).Or(v, new(big.Int).SetUint64(id.Lo))
	return v.String()
}

func parseAmount(s string) (decimal.Decimal, error) {
	if s == "" {
		return decimal.Zero, nil
	}
	return decimal.NewFromString(s)
}

// toCommand turns a request into a ledger command.
func (q *ledgerRequest) toCommand() (ledger.Command, error) {
	switch q.Type {
	case "create_accounts":
		cmd := ledger.Command{Op: ledger.OpCreateAccounts}
		for _, a := range q.Accounts {
			id, err := parseID(a.ID)
			if err != nil {
				return cmd, err
			}
			cmd.Accounts = append(cmd.Accounts, ledger.Account{ID: id, Ledger: a.Ledger, Code: a.Code, Flags: ledger.AccountFlags(a.Flags)})
		}
		return cmd, nil
	case "create_transfers":
		cmd := ledger.Command{Op: ledger.OpCreateTransfers}
		for _, t := range q.Transfers {
			tr, err := t.toTransfer()
			if err != nil {
				return cmd, err
			}
			cmd.Transfers = append(cmd.Transfers, tr)
		}
		return cmd, nil
	case "lookup_accounts", "lookup_transfers":
		cmd := ledger.Command{Op: ledger.OpLookupAccounts}
		if q.Type == "lookup_transfers" {
			cmd.Op = ledger.OpLookupTransfers
		}
		for _, s := range q.IDs {
			id, err := parseID(s)
			if err != nil {
				return cmd, err
			}
			cmd.IDs = append(cmd.IDs, id)
		}
		return cmd, nil
	}
	return ledger.Command{}, fmt.Errorf("unknown ledger request %q", q.Type)
}

func (t jsonTransfer) toTransfer() (ledger.Transfer, error) {
	var out ledger.Transfer
	var err error
	ids := []*ledger.ID{&out.ID, &out.DebitAccountID, &out.CreditAccountID, &out.PendingID}
	for i, s := range []string{t.ID, t.DebitAccountID, t.CreditAccountID, t.PendingID} {
		if *ids[i], err = parseID(s); err != nil {
			return out, err
		}
	}
	if out.Amount, err = parseAmount(t.Amount); err != nil {
		return out, fmt.Errorf("amount %q: %w", t.Amount, err)
	}
	out.Ledger, out.Code, out.Flags, out.Timeout = t.Ledger, t.Code, ledger.TransferFlags(t.Flags), t.Timeout
	return out, nil
}

// handleLedger serves a ledger request through the replicated log.
func (s *Server) handleLedger(in inbound) {
	s.do(func() { s.proposeLedger(in.msg.Body, func(body any) { s.replyTo(in, body) }) })
}

func (s *Server) proposeLedger(raw json.RawMessage, reply func(any)) {
	var req ledgerRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		reply(errorBody(12, "malformed request"))
		return
	}
	cmd, err := req.toCommand()
	if err != nil {
		reply(errorBody(12, err.Error()))
		return
	}
	encoded := append([]byte{forLedger}, ledger.EncodeCommand(cmd)...)
	s.submit(encoded, reply, func(result []byte) any { return ledgerReplyBody(req.Type, result) })
}

func ledgerReplyBody(typ string, result []byte) any {
	rep, err := ledger.DecodeReply(result)
	if err != nil {
		return errorBody(12, "the ledger rejected the command")
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
		accounts := []jsonAccount{}
		for _, a := range rep.Accounts {
			accounts = append(accounts, jsonAccount{ID: formatID(a.ID), Ledger: a.Ledger, Code: a.Code, Flags: uint16(a.Flags),
				DebitsPending: a.DebitsPending.String(), DebitsPosted: a.DebitsPosted.String(),
				CreditsPending: a.CreditsPending.String(), CreditsPosted: a.CreditsPosted.String(), Timestamp: a.Timestamp})
		}
		body["accounts"] = accounts
	case "lookup_transfers":
		transfers := []jsonTransfer{}
		for _, t := range rep.Transfers {
			transfers = append(transfers, jsonTransfer{ID: formatID(t.ID), DebitAccountID: formatID(t.DebitAccountID),
				CreditAccountID: formatID(t.CreditAccountID), Amount: t.Amount.String(), PendingID: formatID(t.PendingID),
				Ledger: t.Ledger, Code: t.Code, Flags: uint16(t.Flags), Timeout: t.Timeout, Timestamp: t.Timestamp})
		}
		body["transfers"] = transfers
	}
	return body
}
