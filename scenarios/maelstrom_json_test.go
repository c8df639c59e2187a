package scenarios

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/ledger"
)

// TestMaelstromRequestsAsJSON: every request the Maelstrom scenario's
// clients write directly is, byte for byte, what json.Marshal writes for
// the maps they used to build (the trace hash covers every message):
// lin-kv reads, writes and cas; the ledger setup, lookups, and transfers
// of every kind the generator draws, wide IDs and pending IDs included; and
// names that Marshal escapes.
func TestMaelstromRequestsAsJSON(t *testing.T) {
	names := [][2]string{{"c3", "n1"}, {"c<&>", "n\"é\n"}}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		src, dest := names[i%2][0], names[i%2][1]
		in := randomKVInput(rng.IntN, rng.Int64N)
		want := marshalled(t, src, dest, kvBodyMap(in, int64(i)))
		if got := string(appendKVRequest(nil, src, dest, in, int64(i))); got != want {
			t.Fatalf("kv request\n got %s\nwant %s", got, want)
		}
	}
	w := newLedgerRPCWorkload(WorkloadSpec{Clients: 1, ThinkTime: 1})
	w.gen.setupDone = true
	for i := range 2000 {
		src, dest := names[i%2][0], names[i%2][1]
		req := &ledgerRPCRequest{setup: i%500 == 0, msgID: int64(i) << 40}
		if !req.setup {
			req.in = w.nextOperation(rng)
		}
		if i%7 == 0 && len(req.in.Transfers) > 0 { // wide IDs, as decimalID writes them
			req.in.Transfers[0].ID = ledger.ID{Hi: uint64(i), Lo: 5}
			req.in.Transfers[0].PendingID = ledger.ID{Hi: 1, Lo: uint64(i)}
			req.in.Transfers[0].Amount = decimal.New(-int64(i), -3)
		}
		if i%11 == 0 && len(req.in.Transfers) > 0 { // a batch of two
			second := req.in.Transfers[0]
			second.ID.Lo++
			req.in.Transfers = append(req.in.Transfers, second)
		}
		want := marshalled(t, src, dest, ledgerBodyMap(w, req))
		if got := string(w.appendRequest(nil, src, dest, req)); got != want {
			t.Fatalf("ledger request %d\n got %s\nwant %s", i, got, want)
		}
	}
}

func marshalled(t *testing.T, src, dest string, body map[string]any) string {
	line, err := json.Marshal(map[string]any{"src": src, "dest": dest, "body": body})
	if err != nil {
		t.Fatal(err)
	}
	return string(line)
}

// kvBodyMap is a lin-kv request body as the client built it before.
func kvBodyMap(in checkers.KVInput, msgID int64) map[string]any {
	body := map[string]any{"type": in.Op, "msg_id": msgID, "key": in.Key}
	switch in.Op {
	case "write":
		body["value"] = in.Value
	case "cas":
		body["from"], body["to"] = in.From, in.To
	}
	return body
}

// ledgerBodyMap is a ledger RPC body as the client built it before.
func ledgerBodyMap(w *ledgerRPCWorkload, req *ledgerRPCRequest) map[string]any {
	var body map[string]any
	switch {
	case req.setup:
		accounts := []map[string]any{}
		for _, a := range w.gen.setupCommand().Accounts {
			accounts = append(accounts, map[string]any{"id": decimalID(a.ID), "ledger": a.Ledger, "code": a.Code, "flags": uint16(a.Flags)})
		}
		body = map[string]any{"type": "create_accounts", "accounts": accounts}
	case len(req.in.Transfers) == 0:
		ids := []string{}
		for _, a := range w.gen.groups[req.in.Group] {
			ids = append(ids, decimalID(a.ID))
		}
		body = map[string]any{"type": "lookup_accounts", "ids": ids}
	default:
		transfers := []map[string]any{}
		for _, t := range req.in.Transfers {
			m := map[string]any{"id": decimalID(t.ID), "debit_account_id": decimalID(t.DebitAccountID),
				"credit_account_id": decimalID(t.CreditAccountID), "amount": t.Amount.String(),
				"ledger": t.Ledger, "code": t.Code, "flags": uint16(t.Flags), "timeout": t.Timeout, "timestamp": t.Timestamp}
			if !t.PendingID.IsZero() {
				m["pending_id"] = decimalID(t.PendingID)
			}
			transfers = append(transfers, m)
		}
		body = map[string]any{"type": "create_transfers", "transfers": transfers}
	}
	body["msg_id"] = req.msgID
	return body
}

// kvReplyLines are lin-kv replies as nodes write them, and lines the fast
// reader must leave to encoding/json (or read as it does).
var kvReplyLines = []string{
	`{"body":{"in_reply_to":7,"type":"read_ok","value":3},"dest":"c3","src":"n1"}`,
	`{"body":{"in_reply_to":8,"type":"write_ok"},"dest":"c3","src":"n1"}`,
	`{"body":{"code":22,"in_reply_to":9,"text":"expected 1, had 2","type":"error"},"dest":"c3","src":"n1"}`,
	`{"body":{"code":20,"in_reply_to":10,"text":"not found","type":"error"},"dest":"c0","src":"n4"}`,
	`{"src":"n1","dest":"c3","body":{"type":"cas_ok","in_reply_to":-11,"msg_id":4}}`,
	`{"body":{"in_reply_to":7,"type":"read_ok","value":"3"},"dest":"c3","src":"n1"}`,
	`{"body":{"in_reply_to":7,"type":"read_ok","value":[1,2]},"dest":"c3","src":"n1"}`,
	`{"body":{"in_reply_to":7,"type":"read_ok","value":3.0},"dest":"c3","src":"n1"}`,
	`{"body":{"in_reply_to":7,"type":"read_ok","value":1e2},"dest":"c3","src":"n1"}`,
	`{"body":{"in_reply_to":07,"type":"read_ok"},"dest":"c3","src":"n1"}`,
	`{"body":{"in_reply_to":99999999999999999999,"type":"read_ok"},"dest":"c3","src":"n1"}`,
	`{"body":{"In_Reply_To":7,"type":"read_ok","value":3},"dest":"c3","src":"n1"}`,
	`{"body":{"in_reply_to":7,"in_reply_to":8,"type":"read_ok"},"dest":"c3","src":"n1"}`,
	`{"body":{"in_reply_to":7,"type":"read\u005fok"},"dest":"c3","src":"n1"}`,
	`{"body":{"in_reply_to":7,"type":"read_ok"}, "dest":"c3","src":"n1"}`,
	`{"body":{"in_reply_to":7,"type":"read_ok"},"dest":"c3","src":"n1"} `,
	`{"body":{"in_reply_to":7,"type":"read_ok"},"dest":"c3","src":"n1"}x`,
	`{"body":{"in_reply_to":7,"type":"read_ok"},"dest":3,"src":"n1"}`,
	`{"body":null,"dest":"c3","src":"n1"}`,
	`{"dest":"c3","src":"n1"}`,
	`{"body":{},"dest":"c3","src":"n1"}`,
	`{"body":{"in_reply_to":-,"type":"read_ok"},"dest":"c3","src":"n1"}`,
	`{"body":{"in_reply_to":7,"type":"read_ok"`,
	`[]`, ``, `null`,
}

// TestKVRepliesReadAsEncodingJSONReadsThem: wherever the fast reader
// reads a reply, encoding/json reads the same; see also FuzzReadKVReply.
func TestKVRepliesReadAsEncodingJSONReadsThem(t *testing.T) {
	fast := 0
	for _, line := range kvReplyLines {
		if sameAsEncodingJSON(t, []byte(line)) {
			fast++
		}
	}
	if fast < 6 {
		t.Fatalf("the fast reader read only %d of the lines nodes write", fast)
	}
}

func FuzzReadKVReply(f *testing.F) {
	for _, line := range kvReplyLines {
		f.Add([]byte(line))
	}
	f.Fuzz(func(t *testing.T, line []byte) { sameAsEncodingJSON(t, line) })
}

// sameAsEncodingJSON checks that readKVReply, where it reads line, reads
// what encoding/json reads, and reports whether it read it.
func sameAsEncodingJSON(t *testing.T, line []byte) bool {
	got, ok := readKVReply(line)
	if !ok {
		return false
	}
	var want kvReply
	if err := json.Unmarshal(line, &want); err != nil {
		t.Fatalf("%s: read fast as %+v, but encoding/json refuses it: %v", line, got, err)
	}
	if got != want {
		t.Fatalf("%s: read fast as %+v, encoding/json reads %+v", line, got, want)
	}
	return true
}

// ledgerReplyLines are ledger RPC replies as nodes write them, and lines
// the fast reader must leave to encoding/json (or read as it does).
var ledgerReplyLines = []string{
	`{"body":{"in_reply_to":7,"results":["ok","exceeds_credits"],"type":"create_transfers_ok"},"dest":"c9","src":"n0"}`,
	`{"body":{"in_reply_to":7,"results":[],"type":"create_accounts_ok"},"dest":"c9","src":"n0"}`,
	`{"body":{"accounts":[{"code":1,"credits_pending":"0","credits_posted":"12.5","debits_pending":"0.01","debits_posted":"0","flags":2,"id":"17","ledger":1,"timestamp":123}],"in_reply_to":8,"type":"lookup_accounts_ok"},"dest":"c9","src":"n0"}`,
	`{"body":{"accounts":[],"in_reply_to":8,"type":"lookup_accounts_ok"},"dest":"c9","src":"n0"}`,
	`{"body":{"code":11,"in_reply_to":9,"text":"temporarily unavailable","type":"error"},"dest":"c9","src":"n0"}`,
	`{"body":{"accounts":[{"code":70000,"id":"17","ledger":1}],"in_reply_to":8,"type":"lookup_accounts_ok"},"dest":"c9","src":"n0"}`,
	`{"body":{"accounts":[{"code":1,"id":"17","ledger":-1}],"in_reply_to":8,"type":"lookup_accounts_ok"},"dest":"c9","src":"n0"}`,
	`{"body":{"accounts":[{"code":1,"id":17,"ledger":1}],"in_reply_to":8,"type":"lookup_accounts_ok"},"dest":"c9","src":"n0"}`,
	`{"body":{"accounts":[{"Code":1,"id":"17","ledger":1}],"in_reply_to":8,"type":"lookup_accounts_ok"},"dest":"c9","src":"n0"}`,
	`{"body":{"accounts":[{"code":1,"code":2}],"in_reply_to":8,"type":"lookup_accounts_ok"},"dest":"c9","src":"n0"}`,
	`{"body":{"accounts":[{"timestamp":18446744073709551615}],"in_reply_to":8,"type":"lookup_accounts_ok"},"dest":"c9","src":"n0"}`,
	`{"body":{"accounts":null,"in_reply_to":8,"type":"lookup_accounts_ok"},"dest":"c9","src":"n0"}`,
	`{"body":{"in_reply_to":7,"results":["ok",3],"type":"create_transfers_ok"},"dest":"c9","src":"n0"}`,
	`{"body":{"in_reply_to":7,"results":["ok"],"results":["exists"],"type":"create_transfers_ok"},"dest":"c9","src":"n0"}`,
	`{"body":{"in_reply_to":7,"results":["o\"k"],"type":"create_transfers_ok"},"dest":"c9","src":"n0"}`,
	`{"body":{"in_reply_to":7,"results":["ok",],"type":"create_transfers_ok"},"dest":"c9","src":"n0"}`,
	`{"body":{"in_reply_to":7,"results":["ok"]`,
}

// TestLedgerRepliesReadAsEncodingJSONReadsThem: wherever the fast reader
// reads a reply, encoding/json reads the same; see also
// FuzzReadLedgerRPCReply.
func TestLedgerRepliesReadAsEncodingJSONReadsThem(t *testing.T) {
	fast := 0
	for _, line := range append(ledgerReplyLines, kvReplyLines...) {
		if sameLedgerReplyAsEncodingJSON(t, []byte(line)) {
			fast++
		}
	}
	if fast < 5 {
		t.Fatalf("the fast reader read only %d of the lines nodes write", fast)
	}
}

func FuzzReadLedgerRPCReply(f *testing.F) {
	for _, line := range ledgerReplyLines {
		f.Add([]byte(line))
	}
	f.Fuzz(func(t *testing.T, line []byte) { sameLedgerReplyAsEncodingJSON(t, line) })
}

func sameLedgerReplyAsEncodingJSON(t *testing.T, line []byte) bool {
	got, ok := readLedgerRPCReply(line)
	if !ok {
		return false
	}
	var want ledgerRPCReply
	if err := json.Unmarshal(line, &want); err != nil {
		t.Fatalf("%s: read fast as %+v, but encoding/json refuses it: %v", line, got, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: read fast as %+v, encoding/json reads %+v", line, got, want)
	}
	return true
}
