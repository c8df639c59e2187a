package ours

import (
	"fmt"
	"testing"

	"github.com/faultline/faultline/peerbench/workload"
)

// BenchmarkReplicate runs the peer workload on 3 and 5 replicas of
// ledger/replica: one op is one entry committed and applied everywhere.
func BenchmarkReplicate(b *testing.B) {
	for _, n := range []int{3, 5} {
		b.Run(fmt.Sprintf("replicas=%d", n), func(b *testing.B) {
			c, err := NewCluster(n)
			if err != nil {
				b.Fatal(err)
			}
			workload.Run(b, c)
		})
	}
}

// TestWorkload runs a few batches and checks that every replica applied
// every entry: the benchmark's own check, on a small run.
func TestWorkload(t *testing.T) {
	for _, n := range []int{3, 5} {
		c, err := NewCluster(n)
		if err != nil {
			t.Fatal(err)
		}
		const total = workload.SnapshotEntries + 3*workload.BatchEntries + 5
		workload.Drive(c, 0, total)
		if err := workload.Check(c.Machines(), total); err != nil {
			t.Fatalf("%d replicas: %v", n, err)
		}
	}
}
