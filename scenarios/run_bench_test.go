package scenarios

import (
	"syscall"
	"testing"
	"time"
)

// processCPUNs is the CPU time this process has used, user and system, on
// every thread (the collector's mark workers included): the cost a sweep
// worker, one process per core, pays for a run.
func processCPUNs(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkScenarioRun measures whole runs of catalog scenarios, checks
// included, as `faultline run` makes them: one op is one run of the next
// seed (1, 2, 3, ... so that every op is a different run and -count
// repeats the same seeds). It reports simulated time per CPU second (the
// speed-up over real time, the figure TigerBeetle quotes for its VOPR),
// simulated events per CPU second, and CPU per run. Run it with
// GOMAXPROCS=1 for a sweep worker's view:
//
//	GOMAXPROCS=1 go test -run='^$' -bench=ScenarioRun -benchmem ./scenarios/
func BenchmarkScenarioRun(b *testing.B) {
	for _, name := range []string{"leader-crash", "baseline", "end-of-day-burst", "maelstrom-node"} {
		b.Run(name, func(b *testing.B) {
			sc, ok := Lookup(name)
			if !ok {
				b.Fatalf("no scenario %q", name)
			}
			var events int64
			var simulated time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			cpuBefore := processCPUNs(b)
			for i := range b.N {
				o, err := Run(&sc, uint64(i%20+1), RunOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if !o.Passed() {
					b.Fatalf("seed %d failed: %v", i%20+1, o.Verdicts)
				}
				events += o.Events
				simulated += time.Duration(o.SimTime)
			}
			cpu := float64(processCPUNs(b)-cpuBefore) / 1e9
			b.StopTimer()
			b.ReportMetric(simulated.Seconds()/cpu, "sim_s/cpu_s")
			b.ReportMetric(float64(events)/cpu, "events/cpu_s")
			b.ReportMetric(cpu/float64(b.N), "cpu_s/run")
		})
	}
}
