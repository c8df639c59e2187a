package maelstrom_test

import (
	"fmt"
	"testing"
	"time"
)

// TestLedgerRPCs drives the ledger through real ledger-node processes:
// accounts, transfers (one refused by a balance limit), a partition that
// moves leadership, and lookups from every node that must agree.
func TestLedgerRPCs(t *testing.T) {
	nw := startNetwork(t, buildNode(t), 3)
	call := func(node string, body map[string]any) map[string]any {
		t.Helper()
		for attempt := range 20 {
			reply := nw.call(node, body, 2*time.Second)
			if reply != nil && reply["type"] != "error" {
				return reply
			}
			if reply != nil && reply["code"] != float64(11) && reply["code"] != float64(0) {
				t.Fatalf("%s %v: %v", node, body["type"], reply)
			}
			time.Sleep(time.Duration(50*(attempt+1)) * time.Millisecond) // no leader yet
		}
		t.Fatalf("%s never answered %v", node, body["type"])
		return nil
	}
	reply := call("n1", map[string]any{"type": "create_accounts", "accounts": []map[string]any{
		{"id": "1", "ledger": 1, "code": 1}, {"id": "2", "ledger": 1, "code": 1, "flags": 1}}})
	if fmt.Sprint(reply["results"]) != "[ok ok]" {
		t.Fatalf("create_accounts: %v", reply)
	}
	transfer := func(id, debit, credit, amount string) map[string]any {
		return map[string]any{"type": "create_transfers", "transfers": []map[string]any{
			{"id": id, "debit_account_id": debit, "credit_account_id": credit, "amount": amount, "ledger": 1, "code": 1}}}
	}
	if r := call("n2", transfer("10", "1", "2", "25.50")); fmt.Sprint(r["results"]) != "[ok]" {
		t.Fatalf("transfer: %v", r)
	}
	if r := call("n3", transfer("11", "2", "1", "30")); fmt.Sprint(r["results"]) != "[exceeds_credits]" {
		t.Fatalf("an overdraft was not refused: %v", r)
	}
	if r := call("n3", transfer("10", "1", "2", "25.50")); fmt.Sprint(r["results"]) != "[exists]" {
		t.Fatalf("a resubmitted transfer: %v", r)
	}
	nw.partition([]string{"n1"}, []string{"n2", "n3"})
	if r := call("n2", transfer("12", "2", "1", "5.25")); fmt.Sprint(r["results"]) != "[ok]" {
		t.Fatalf("transfer during the partition: %v", r)
	}
	nw.heal()
	for _, node := range []string{"n1", "n2", "n3"} {
		r := call(node, map[string]any{"type": "lookup_accounts", "ids": []string{"1", "2"}})
		accounts, _ := r["accounts"].([]any)
		if len(accounts) != 2 {
			t.Fatalf("%s lookup: %v", node, r)
		}
		a2 := accounts[1].(map[string]any)
		if a2["credits_posted"] != "25.5" || a2["debits_posted"] != "5.25" {
			t.Fatalf("%s sees account 2 as %v", node, a2)
		}
	}
	r := call("n1", map[string]any{"type": "lookup_transfers", "ids": []string{"10", "11"}})
	if ts, _ := r["transfers"].([]any); len(ts) != 1 {
		t.Fatalf("lookup_transfers: %v", r)
	}
}
