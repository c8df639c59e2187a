package scenarios

import (
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/faultline/faultline/ledger"
	"github.com/faultline/faultline/ledger/replica"
	"github.com/faultline/faultline/scenarios/cluster"
	"github.com/faultline/faultline/sim"
)

// batchDriver sends commands of batchSize simple transfers over 1,000
// accounts, closed loop, after one client creates the accounts.
type batchDriver struct {
	first     bool
	ready     *bool
	next      *uint64
	committed *int
	batchSize int
}

func (d *batchDriver) Next(c *cluster.Client) ([]byte, time.Duration, bool) {
	if !*d.ready {
		if !d.first {
			return nil, 10 * time.Millisecond, true
		}
		cmd := ledger.Command{Op: ledger.OpCreateAccounts}
		for i := range 1000 {
			cmd.Accounts = append(cmd.Accounts, ledger.Account{ID: ledger.IDFromUint64(uint64(i + 1)), Ledger: 1, Code: 1})
		}
		return ledger.EncodeCommand(cmd), 0, true
	}
	cmd := ledger.Command{Op: ledger.OpCreateTransfers}
	amount := decimal.New(125, -2)
	for range d.batchSize {
		*d.next++
		n := *d.next
		cmd.Transfers = append(cmd.Transfers, ledger.Transfer{ID: ledger.IDFromUint64(n), DebitAccountID: ledger.IDFromUint64(n%1000 + 1),
			CreditAccountID: ledger.IDFromUint64((n+1)%1000 + 1), Amount: amount, Ledger: 1, Code: 1})
	}
	return ledger.EncodeCommand(cmd), 0, true
}

func (d *batchDriver) Completed(c *cluster.Client, op *cluster.Op) {
	if op.Outcome != cluster.OutcomeOK {
		return
	}
	if !*d.ready {
		*d.ready = true
		return
	}
	if rep, err := ledger.DecodeReply(op.Result); err == nil {
		for _, r := range rep.Results {
			if r == ledger.Ok {
				*d.committed++
			}
		}
	}
}

// BenchmarkClusterTransfers measures committed ledger transfers through the
// replicated log in the simulator: 8 closed-loop clients each sending
// commands of 100 transfers to a 3- and a 5-replica cluster on a LAN. One
// op is one simulated second. It reports transfers per simulated second
// and per wall second.
func BenchmarkClusterTransfers(b *testing.B) {
	for _, n := range []int{3, 5} {
		b.Run(fmt.Sprintf("replicas=%d", n), func(b *testing.B) {
			var c *cluster.Cluster
			ready, next, committed := false, uint64(1<<20), 0
			replicas := make([]sim.NodeID, n)
			for i := range replicas {
				replicas[i] = sim.NodeID(i)
			}
			cfg := cluster.Config{Seed: 1, Replicas: n, Link: lan,
				NewStateMachine: func() replica.StateMachine { return ledger.NewMachine(LedgerConfig) }}
			for i := range 8 {
				d := &batchDriver{first: i == 0, ready: &ready, next: &next, committed: &committed, batchSize: 100}
				cfg.Clients = append(cfg.Clients, sim.NodeSpec{Name: fmt.Sprintf("c%d", i+1),
					New: cluster.NewClient(func() *sim.Sim { return c.Sim }, uint64(i+1), replicas, cluster.DefaultClientOptions(), d)})
			}
			var err error
			if c, err = cluster.New(cfg); err != nil {
				b.Fatal(err)
			}
			c.Run(sim.TimeFromDuration(time.Second))
			before, start := committed, c.Now()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				c.RunFor(time.Second)
			}
			b.StopTimer()
			done := float64(committed - before)
			b.ReportMetric(done/c.Now().Sub(start).Seconds(), "transfers/sim_s")
			b.ReportMetric(done/b.Elapsed().Seconds(), "transfers/wall_s")
		})
	}
}
