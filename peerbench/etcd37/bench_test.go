package etcd37

import (
	"fmt"
	"testing"

	"github.com/faultline/faultline/peerbench/workload"
)

// BenchmarkReplicate runs the peer workload on 3 and 5 nodes of etcd raft
// v3.7.0, each handling Ready after every input or once per round: one
// op is one entry committed and applied everywhere.
func BenchmarkReplicate(b *testing.B) {
	for _, n := range []int{3, 5} {
		b.Run(fmt.Sprintf("replicas=%d", n), func(b *testing.B) {
			for _, batched := range []bool{false, true} {
				b.Run(readyName[batched], func(b *testing.B) {
					c, err := NewCluster(n, batched)
					if err != nil {
						b.Fatal(err)
					}
					workload.Run(b, c)
				})
			}
		})
	}
}

// readyName names the sub-benchmarks: Ready handled after each input (as
// ours handles each call) or once per round of deliveries.
var readyName = map[bool]string{false: "ready=each", true: "ready=batched"}

// TestWorkload runs a few batches and checks that every replica applied
// every entry: the benchmark's own check, on a small run.
func TestWorkload(t *testing.T) {
	for _, n := range []int{3, 5} {
		for _, batched := range []bool{false, true} {
			c, err := NewCluster(n, batched)
			if err != nil {
				t.Fatal(err)
			}
			const total = workload.SnapshotEntries + 3*workload.BatchEntries + 5
			workload.Drive(c, 0, total)
			if err := workload.Check(c.Machines(), total); err != nil {
				t.Fatalf("%d replicas, %s: %v", n, readyName[batched], err)
			}
		}
	}
}
