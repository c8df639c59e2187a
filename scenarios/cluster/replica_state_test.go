package cluster_test

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/ledger/replica"
	"github.com/faultline/faultline/scenarios/cluster"
)

// digestCounters is the counter machine with a state digest, so that the
// replica-state checker compares it. Its step is what one increment adds:
// 1 on an honest replica.
type digestCounters struct {
	*counters
	step uint64
}

func (d *digestCounters) Apply(cmd []byte, _ int64) []byte {
	d.values[string(cmd)] += d.step - 1 // counters.Apply adds the last 1
	return d.counters.Apply(cmd, 0)
}

func (d *digestCounters) StateDigest() [32]byte { return sha256.Sum256(d.Snapshot()) }

// runCounters runs three replicas whose second machine built (replica n2's,
// at boot) adds secondStep per increment.
func runCounters(t *testing.T, secondStep uint64) *cluster.Cluster {
	t.Helper()
	built := 0
	drivers := []*incrementer{{key: "a", until: at(2 * time.Second)}}
	c, err := newTestCluster(1, 3, drivers, func(cfg *cluster.Config) {
		cfg.NewStateMachine = func() replica.StateMachine {
			built++
			step := uint64(1)
			if built == 2 {
				step = secondStep
			}
			return &digestCounters{counters: newCounters().(*counters), step: step}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Run(at(3 * time.Second))
	if len(drivers[0].ok) < 20 {
		t.Fatalf("only %d increments acknowledged", len(drivers[0].ok))
	}
	return c
}

func verdictOf(c *cluster.Cluster, invariant string) checkers.Verdict {
	for _, v := range c.Observer.Verdicts() {
		if v.Invariant == invariant {
			return v
		}
	}
	return checkers.Verdict{}
}

func TestReplicaStatePassesDeterministicMachines(t *testing.T) {
	c := runCounters(t, 1)
	assertObserverClean(t, c)
}

func TestReplicaStateCatchesANonDeterministicApplyThatTheLogsCannotSee(t *testing.T) {
	c := runCounters(t, 2) // n2 adds 2 per increment: the same log, another state
	if v := verdictOf(c, "convergence"); v.Status != checkers.Pass {
		t.Fatalf("the logs agree, yet convergence says %+v", v)
	}
	v := verdictOf(c, "replica-state")
	if v.Status != checkers.Fail || len(v.Evidence) == 0 {
		t.Fatalf("a replica holding another state on the same log passed replica-state: %+v", v)
	}
	t.Logf("evidence: %s", v.Evidence[0])
}
