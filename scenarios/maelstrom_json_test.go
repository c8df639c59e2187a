package scenarios

import (
	"encoding/json"
	"math/rand/v2"
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
