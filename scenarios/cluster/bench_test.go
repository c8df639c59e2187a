package cluster_test

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkClusterCommits measures replicated throughput inside the
// simulator: closed-loop clients with no think time against a 3- and a
// 5-replica cluster on a LAN-like network. One op is one simulated second.
// It reports committed requests per simulated second (what the protocol
// achieves) and per wall second (how fast the simulator runs it).
func BenchmarkClusterCommits(b *testing.B) {
	for _, n := range []int{3, 5} {
		b.Run(fmt.Sprintf("replicas=%d", n), func(b *testing.B) {
			var drivers []*incrementer
			for i := range 32 {
				drivers = append(drivers, &incrementer{key: fmt.Sprint("k", i), thinkTime: -1})
			}
			c, err := newTestCluster(1, n, drivers, nil)
			if err != nil {
				b.Fatal(err)
			}
			c.Run(at(time.Second)) // elect a leader, register sessions
			committed := func() (total int) {
				for _, d := range drivers {
					total += len(d.ok)
				}
				return total
			}
			before, start := committed(), c.Now()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				c.RunFor(time.Second)
			}
			b.StopTimer()
			done := float64(committed() - before)
			b.ReportMetric(done/c.Now().Sub(start).Seconds(), "commits/sim_s")
			b.ReportMetric(done/b.Elapsed().Seconds(), "commits/wall_s")
			b.ReportMetric(float64(c.Now().Sub(start))/float64(b.Elapsed()), "sim_x_realtime")
		})
	}
}
