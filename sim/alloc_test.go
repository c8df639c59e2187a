package sim_test

import (
	"testing"

	"github.com/faultline/faultline/sim"
)

// TestSteadyStateEventsAllocateNothing pins the simulator's hot path at
// zero allocations per event once a simulation has warmed up (its queue,
// tables, message buffers and file arrays grown to their working size):
// a timer firing and being re-armed, a message delivered and answered, and
// an fsync completing with the writes and the fsync that follow it.
func TestSteadyStateEventsAllocateNothing(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage counters allocate")
	}
	cases := []struct {
		name  string
		build func(testing.TB) *sim.Sim
	}{
		{"timer", timerSim},
		{"message", networkSim},
		{"disk write and fsync, one in flight", diskSim(1)},
		{"disk write and fsync, two in flight", diskSim(2)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.build(t)
			s.Run(0)
			// Warm up past the log's first cuts back to empty, so that its
			// file arrays are at their working size.
			for range 20_000 {
				s.Step()
			}
			before := s.Events()
			const perRun = 100
			allocs := testing.AllocsPerRun(100, func() {
				for range perRun {
					if !s.Step() {
						t.Fatal("ran out of events")
					}
				}
			})
			if fired := s.Events() - before; fired < perRun*100 {
				t.Fatalf("only %d of %d steps fired an event", fired, perRun*100)
			}
			if allocs != 0 {
				t.Errorf("%v allocations per %d events, want 0", allocs, perRun)
			}
		})
	}
}
