package maelstrom_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/shopspring/decimal"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/ledger"
)

// Accounts of the checked workload: groups of three (IDs 1..), transfers
// only inside a group, so Porcupine checks each group on its own; and two
// bulk accounts whose traffic makes the log long and the snapshot big.
const (
	groupsN       = 3
	groupSize     = 3
	bulkDebit     = 1001
	bulkCredit    = 1002
	bulkRequests  = 3000 // entries the lagging node misses: over SnapshotEntries (2048)
	bulkPerBatch  = 4    // transfers per bulk request
	snapshotBytes = 1 << 20
)

// TestLedgerNodesCatchUpSnapshotAndRestart runs three real ledger-node
// processes on data directories. One node is partitioned away while the
// others commit thousands of entries, so that on healing it must be
// caught up by a snapshot over 1 MB (the router sees it go by) and by
// Appends far over the demo library's 64 KiB line limit; then a node is
// killed with SIGKILL and restarted on its directory while clients run,
// and finally the whole cluster is killed and restarted. Porcupine checks
// the ledger clients' history; every node must report the same balances,
// debits must equal credits, and every acknowledged transfer must survive
// the kills.
func TestLedgerNodesCatchUpSnapshotAndRestart(t *testing.T) {
	base := t.TempDir()
	nw := startNetworkWith(t, buildNode(t), 3, func(id string) []string {
		return []string{"--data-dir", filepath.Join(base, id)}
	})
	lc := ledgerCaller{t: t, nw: nw}
	createAccounts(&lc)

	h := &ledgerHistory{}
	stop := make(chan struct{})
	var clients sync.WaitGroup
	for c := range 3 {
		clients.Go(func() { runLedgerClient(nw, h, c, stop) })
	}

	nw.partition([]string{"n3"}, []string{"n1", "n2"})
	h.annotate(nw, "partition n3 | n1 n2")
	start := time.Now()
	acked := loadBulk(&lc, []string{"n1", "n2"})
	t.Logf("%d bulk requests committed without n3 in %v", bulkRequests, time.Since(start).Round(time.Millisecond))
	nw.heal()
	h.annotate(nw, "heal")
	waitFor(t, 20*time.Second, "n3 to receive a whole snapshot", func() bool { return nw.seen("n3").snapshotSizeMax > 0 })
	seen := nw.seen("n3")
	t.Logf("to n3: a snapshot of %d bytes in %d chunks (%d bytes of lines), longest line %d bytes",
		seen.snapshotSizeMax, seen.snapshots, seen.snapshotBytes, seen.lineBytesMax)
	if seen.snapshotSizeMax < snapshotBytes {
		t.Errorf("the snapshot that caught n3 up was %d bytes, want over %d", seen.snapshotSizeMax, snapshotBytes)
	}
	if seen.snapshots < 2 {
		t.Errorf("a snapshot of %d bytes went in %d message(s), not in chunks", seen.snapshotSizeMax, seen.snapshots)
	}
	if seen.lineBytesMax <= 64<<10 {
		t.Errorf("no line to n3 was over 64 KiB (longest %d)", seen.lineBytesMax)
	}

	nw.kill("n2")
	h.annotate(nw, "kill -9 n2")
	time.Sleep(300 * time.Millisecond)
	nw.restart("n2")
	h.annotate(nw, "restart n2")
	// Run the clients on for a second and until enough operations have
	// completed to judge: on a loaded machine (the race detector, a
	// parallel test run) the nodes are many times slower.
	time.Sleep(time.Second)
	waitFor(t, 60*time.Second, "the clients to complete 30 operations", func() bool { return h.completed() >= 30 })
	close(stop)
	clients.Wait()
	checkLedgerHistory(t, h)

	before := agreedBalances(&lc)
	checkConservation(t, before, acked)
	for _, id := range nw.ids {
		nw.kill(id)
	}
	for _, id := range nw.ids {
		nw.spawn(id)
	}
	for _, id := range nw.ids {
		nw.init(id)
	}
	if after := agreedBalances(&lc); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("balances changed across kill -9 of every node:\nbefore %v\nafter  %v", before, after)
	}
}

// ledgerCaller sends ledger RPCs and retries those that did not happen
// (11) or whose outcome is unknown (0, a timeout): every request here is
// idempotent by its transfer IDs.
type ledgerCaller struct {
	t  *testing.T
	nw *network
}

func (lc *ledgerCaller) call(node string, body map[string]any) map[string]any {
	lc.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		reply := lc.nw.call(node, body, 5*time.Second)
		if reply != nil && reply["type"] != "error" {
			return reply
		}
		if reply != nil && reply["code"] != float64(11) && reply["code"] != float64(0) {
			lc.t.Errorf("%s %v: %v", node, body["type"], reply)
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	lc.t.Errorf("%s never answered %v", node, body["type"])
	return nil
}

func createAccounts(lc *ledgerCaller) {
	var accounts []map[string]any
	for _, id := range allAccountIDs() {
		accounts = append(accounts, map[string]any{"id": strconv.Itoa(id), "ledger": 1, "code": 1})
	}
	reply := lc.call("n1", map[string]any{"type": "create_accounts", "accounts": accounts})
	for i, r := range reply["results"].([]any) {
		if r != "ok" && r != "exists" {
			lc.t.Fatalf("account %d: %v", i, r)
		}
	}
}

func allAccountIDs() []int {
	var ids []int
	for i := range groupsN * groupSize {
		ids = append(ids, i+1)
	}
	return append(ids, bulkDebit, bulkCredit)
}

// loadBulk commits bulkRequests requests of bulkPerBatch transfers of 0.01
// from bulkDebit to bulkCredit through nodes, and returns how many
// transfers were acknowledged (all of them: each is retried until it is).
func loadBulk(lc *ledgerCaller, nodes []string) int {
	var next, acked atomic.Int64
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= bulkRequests {
					return
				}
				var transfers []map[string]any
				for j := range bulkPerBatch {
					transfers = append(transfers, map[string]any{"id": strconv.FormatInt(1_000_000+i*bulkPerBatch+int64(j), 10),
						"debit_account_id": strconv.Itoa(bulkDebit), "credit_account_id": strconv.Itoa(bulkCredit),
						"amount": "0.01", "ledger": 1, "code": 1})
				}
				reply := lc.call(nodes[(w+int(i))%len(nodes)], map[string]any{"type": "create_transfers", "transfers": transfers})
				results, _ := reply["results"].([]any)
				for _, r := range results {
					if r == "ok" || r == "exists" {
						acked.Add(1)
					}
				}
			}
		})
	}
	wg.Wait()
	return int(acked.Load())
}

// agreedBalances reads every account through every node, requires that
// they agree, and returns the balances by account ID.
func agreedBalances(lc *ledgerCaller) map[string][4]string {
	var agreed map[string][4]string
	ids := []string{}
	for _, id := range allAccountIDs() {
		ids = append(ids, strconv.Itoa(id))
	}
	for _, node := range lc.nw.ids {
		reply := lc.call(node, map[string]any{"type": "lookup_accounts", "ids": ids})
		got := map[string][4]string{}
		accounts, _ := reply["accounts"].([]any)
		for _, a := range accounts {
			m := a.(map[string]any)
			got[m["id"].(string)] = [4]string{m["debits_pending"].(string), m["debits_posted"].(string),
				m["credits_pending"].(string), m["credits_posted"].(string)}
		}
		if len(got) != len(ids) {
			lc.t.Fatalf("%s found %d accounts of %d: %v", node, len(got), len(ids), reply)
		}
		if agreed != nil && fmt.Sprint(got) != fmt.Sprint(agreed) {
			lc.t.Fatalf("%s disagrees:\n%v\n%v", node, got, agreed)
		}
		agreed = got
	}
	return agreed
}

// checkConservation: total debits equal total credits, and the bulk
// account holds exactly the acknowledged bulk transfers.
func checkConservation(t *testing.T, balances map[string][4]string, acked int) {
	var debits, credits decimal.Decimal
	for _, b := range balances {
		for i, s := range b {
			v := decimal.RequireFromString(s)
			if i < 2 {
				debits = debits.Add(v)
			} else {
				credits = credits.Add(v)
			}
		}
	}
	if !debits.Equal(credits) {
		t.Errorf("debits %s != credits %s", debits, credits)
	}
	want := decimal.New(int64(acked), -2)
	if got := decimal.RequireFromString(balances[strconv.Itoa(bulkCredit)][3]); !got.Equal(want) {
		t.Errorf("bulk credits %s, want %s (%d acknowledged transfers)", got, want, acked)
	}
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %v", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ledgerHistory is the checked ledger clients' history: the lin-kv
// tests' history (operations, nemesis annotations, client IDs) whose
// outputs are checkers.LedgerOutput.
type ledgerHistory struct{ history }

// completed counts the operations whose outcome the client learned.
func (h *ledgerHistory) completed() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, op := range h.ops {
		if !op.Output.(checkers.LedgerOutput).Unknown {
			n++
		}
	}
	return n
}

func groupAccounts() [][]checkers.GroupAccount {
	groups := make([][]checkers.GroupAccount, groupsN)
	for g := range groupsN {
		for a := range groupSize {
			groups[g] = append(groups[g], checkers.GroupAccount{ID: ledger.ID{Lo: uint64(g*groupSize + a + 1)}})
		}
	}
	return groups
}

var resultByName = func() map[string]ledger.Result {
	m := map[string]ledger.Result{}
	for _, r := range ledger.AllResults() {
		m[r.String()] = r
	}
	return m
}()

// runLedgerClient transfers between, and looks up, the accounts of one
// group at a time, through any node, until stop closes.
func runLedgerClient(nw *network, h *ledgerHistory, c int, stop chan struct{}) {
	rng := rand.New(rand.NewPCG(uint64(c), 11))
	client := h.newClientID()
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		default:
		}
		g := rng.IntN(groupsN)
		in := checkers.LedgerInput{Group: g}
		body := map[string]any{"type": "lookup_accounts"}
		var ids []string
		for a := range groupSize {
			ids = append(ids, strconv.Itoa(g*groupSize+a+1))
		}
		body["ids"] = ids
		if rng.IntN(2) == 0 {
			from, to := rng.IntN(groupSize), 1+rng.IntN(groupSize-1)
			to = (from + to) % groupSize
			tr := ledger.Transfer{ID: ledger.ID{Lo: uint64(10_000_000 + c*1_000_000 + n)}, DebitAccountID: ledger.ID{Lo: uint64(g*groupSize + from + 1)},
				CreditAccountID: ledger.ID{Lo: uint64(g*groupSize + to + 1)}, Amount: decimal.New(int64(1+rng.IntN(5)), -2), Ledger: 1, Code: 1}
			in.Transfers = []ledger.Transfer{tr}
			body = map[string]any{"type": "create_transfers", "transfers": []map[string]any{{"id": strconv.FormatUint(tr.ID.Lo, 10),
				"debit_account_id": strconv.FormatUint(tr.DebitAccountID.Lo, 10), "credit_account_id": strconv.FormatUint(tr.CreditAccountID.Lo, 10),
				"amount": tr.Amount.String(), "ledger": 1, "code": 1}}}
		}
		call := nw.now()
		reply := nw.call(nw.ids[rng.IntN(len(nw.ids))], body, 5*time.Second)
		out, definiteFailure := interpretLedger(in, reply)
		if definiteFailure {
			continue
		}
		ret := nw.now()
		if out.Unknown {
			ret = math.MaxInt64
		}
		h.add(porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret})
		if out.Unknown {
			client = h.newClientID()
		}
	}
}

// interpretLedger maps a reply onto the model, by Maelstrom's error
// semantics (11 definite, anything else unknown).
func interpretLedger(in checkers.LedgerInput, reply map[string]any) (checkers.LedgerOutput, bool) {
	switch {
	case reply == nil:
		return checkers.LedgerOutput{Unknown: true}, false
	case reply["type"] == "error":
		return checkers.LedgerOutput{Unknown: true}, reply["code"] == float64(11)
	case reply["type"] == "create_transfers_ok":
		var out checkers.LedgerOutput
		for _, r := range reply["results"].([]any) {
			out.Results = append(out.Results, resultByName[r.(string)])
		}
		return out, false
	}
	var out checkers.LedgerOutput
	for _, a := range reply["accounts"].([]any) {
		m := a.(map[string]any)
		var b [4]checkers.Units
		for i, k := range []string{"debits_pending", "debits_posted", "credits_pending", "credits_posted"} {
			b[i] = checkers.UnitsOf(decimal.RequireFromString(m[k].(string)), 2)
		}
		out.Balances = append(out.Balances, b)
	}
	return out, false
}

func checkLedgerHistory(t *testing.T, h *ledgerHistory) {
	t.Helper()
	unknown := 0
	for _, op := range h.ops {
		if op.Output.(checkers.LedgerOutput).Unknown {
			unknown++
		}
	}
	t.Logf("ledger history: %d operations, %d unknown", len(h.ops), unknown)
	if len(h.ops)-unknown < 30 {
		t.Fatalf("only %d operations completed", len(h.ops)-unknown)
	}
	model := checkers.LedgerModel(groupAccounts(), 2)
	res, info := porcupine.CheckOperationsVerbose(model, h.ops, 30*time.Second)
	if res != porcupine.Ok {
		path := filepath.Join(t.TempDir(), "ledger.html")
		info.AddAnnotations(h.annotations)
		if err := porcupine.VisualizePath(model, info, path); err == nil {
			t.Logf("visualization: %s", path)
		}
		t.Fatalf("ledger history is %s", res)
	}
}
