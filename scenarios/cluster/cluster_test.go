package cluster_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/scenarios/cluster"
	"github.com/faultline/faultline/sim"
)

func at(d time.Duration) sim.Time { return sim.TimeFromDuration(d) }

func TestClusterElectsALeaderAndCommits(t *testing.T) {
	for _, n := range []int{1, 3, 5} {
		t.Run(fmt.Sprintf("%d replicas", n), func(t *testing.T) {
			drivers := []*incrementer{{key: "a", until: at(3 * time.Second)}, {key: "b", until: at(3 * time.Second)}}
			c, err := newTestCluster(1, n, drivers, nil)
			if err != nil {
				t.Fatal(err)
			}
			c.Run(at(4 * time.Second))
			if _, ok := c.Leader(); !ok {
				t.Fatal("no leader after 3s")
			}
			for _, d := range drivers {
				if len(d.ok) < 20 {
					t.Fatalf("client %s completed only %d increments (unknown %d)", d.key, len(d.ok), d.unknown)
				}
			}
			if err := checkIncrements(c, drivers); err != nil {
				t.Fatal(err)
			}
			assertObserverClean(t, c)
		})
	}
}

func assertObserverClean(t *testing.T, c *cluster.Cluster) {
	t.Helper()
	for _, v := range c.Observer.Verdicts() {
		if v.Status != checkers.Pass {
			t.Errorf("%s: %s %v", v.Invariant, v.Status, v.Evidence)
		}
	}
}
