package scenarios

import (
	"encoding/json"
	"strconv"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/ledger"
)

// The Maelstrom scenario's clients write their requests here, byte for
// byte as encoding/json writes the maps they used to build (keys sorted,
// strings escaped as Marshal escapes them): the trace hash covers every
// message's bytes, and writing the few shapes the clients send directly
// costs no reflection and no map per request. TestMaelstromRequestsAsJSON
// checks every shape against json.Marshal.

// appendEnvelope begins a Maelstrom message: `{"body":` here, then the
// body the caller appends, then closeEnvelope with its source and
// destination.
func appendEnvelope(b []byte) []byte { return append(b, `{"body":`...) }

// closeEnvelope ends a message appendEnvelope began.
func closeEnvelope(b []byte, src, dest string) []byte {
	b = appendJSONString(append(b, `,"dest":`...), dest)
	b = appendJSONString(append(b, `,"src":`...), src)
	return append(b, '}')
}

// appendKVRequest appends a lin-kv request line.
func appendKVRequest(b []byte, src, dest string, in checkers.KVInput, msgID int64) []byte {
	b = appendEnvelope(b)
	b = append(b, '{')
	if in.Op == "cas" {
		b = strconv.AppendInt(append(b, `"from":`...), in.From, 10)
		b = append(b, ',')
	}
	b = appendJSONString(append(b, `"key":`...), in.Key)
	b = strconv.AppendInt(append(b, `,"msg_id":`...), msgID, 10)
	if in.Op == "cas" {
		b = strconv.AppendInt(append(b, `,"to":`...), in.To, 10)
	}
	b = appendJSONString(append(b, `,"type":`...), in.Op)
	if in.Op == "write" {
		b = strconv.AppendInt(append(b, `,"value":`...), in.Value, 10)
	}
	return closeEnvelope(append(b, '}'), src, dest)
}

// appendCreateAccounts appends the ledger RPC that creates accounts.
func appendCreateAccounts(b []byte, src, dest string, accounts []ledger.Account, msgID int64) []byte {
	b = append(appendEnvelope(b), `{"accounts":[`...)
	for i := range accounts {
		a := &accounts[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(append(b, `{"code":`...), uint64(a.Code), 10)
		b = strconv.AppendUint(append(b, `,"flags":`...), uint64(a.Flags), 10)
		b = appendDecimalID(append(b, `,"id":`...), a.ID)
		b = strconv.AppendUint(append(b, `,"ledger":`...), uint64(a.Ledger), 10)
		b = append(b, '}')
	}
	b = strconv.AppendInt(append(b, `],"msg_id":`...), msgID, 10)
	b = append(b, `,"type":"create_accounts"}`...)
	return closeEnvelope(b, src, dest)
}

// appendLookupAccounts appends the ledger RPC that looks accounts up.
func appendLookupAccounts(b []byte, src, dest string, accounts []checkers.GroupAccount, msgID int64) []byte {
	b = append(appendEnvelope(b), `{"ids":[`...)
	for i := range accounts {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendDecimalID(b, accounts[i].ID)
	}
	b = strconv.AppendInt(append(b, `],"msg_id":`...), msgID, 10)
	b = append(b, `,"type":"lookup_accounts"}`...)
	return closeEnvelope(b, src, dest)
}

// appendCreateTransfers appends the ledger RPC that creates transfers:
// IDs and amounts as decimal strings, a zero pending ID left out.
func appendCreateTransfers(b []byte, src, dest string, transfers []ledger.Transfer, msgID int64) []byte {
	b = strconv.AppendInt(append(appendEnvelope(b), `{"msg_id":`...), msgID, 10)
	b = append(b, `,"transfers":[`...)
	for i := range transfers {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendTransfer(b, &transfers[i])
	}
	b = append(b, `],"type":"create_transfers"}`...)
	return closeEnvelope(b, src, dest)
}

func appendTransfer(b []byte, t *ledger.Transfer) []byte {
	b = appendJSONString(append(b, `{"amount":`...), t.Amount.String())
	b = strconv.AppendUint(append(b, `,"code":`...), uint64(t.Code), 10)
	b = appendDecimalID(append(b, `,"credit_account_id":`...), t.CreditAccountID)
	b = appendDecimalID(append(b, `,"debit_account_id":`...), t.DebitAccountID)
	b = strconv.AppendUint(append(b, `,"flags":`...), uint64(t.Flags), 10)
	b = appendDecimalID(append(b, `,"id":`...), t.ID)
	b = strconv.AppendUint(append(b, `,"ledger":`...), uint64(t.Ledger), 10)
	if !t.PendingID.IsZero() {
		b = appendDecimalID(append(b, `,"pending_id":`...), t.PendingID)
	}
	b = strconv.AppendUint(append(b, `,"timeout":`...), t.Timeout, 10)
	b = strconv.AppendUint(append(b, `,"timestamp":`...), t.Timestamp, 10)
	return append(b, '}')
}

// appendDecimalID appends an ID as the JSON string decimalID writes.
func appendDecimalID(b []byte, id ledger.ID) []byte {
	if id.Hi != 0 {
		return appendJSONString(b, decimalID(id))
	}
	return append(strconv.AppendUint(append(b, '"'), id.Lo, 10), '"')
}

// appendJSONString appends s as json.Marshal writes it. Names, keys,
// operations and decimal strings are plain ASCII, copied as they are;
// anything Marshal would escape (quotes, backslashes, control bytes, <, >
// and &, anything beyond ASCII) goes through Marshal itself.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			quoted, _ := json.Marshal(s) // a string always marshals
			return append(b, quoted...)
		}
	}
	return append(append(append(b, '"'), s...), '"')
}
