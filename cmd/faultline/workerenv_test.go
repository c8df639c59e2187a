package main

import (
	"slices"
	"testing"
)

// TestAWorkerRunsOnOneCoreWithTheCollectorTunedUnlessToldOtherwise: the
// sweep's workers get GOMAXPROCS=1 always, and GOGC and GOMEMLIMIT only
// when the caller did not set them (a caller's own tuning wins).
func TestAWorkerRunsOnOneCoreWithTheCollectorTunedUnlessToldOtherwise(t *testing.T) {
	got := workerEnv([]string{"PATH=/bin"})
	for _, want := range []string{"PATH=/bin", "GOMAXPROCS=1", "GOGC=400", "GOMEMLIMIT=1GiB"} {
		if !slices.Contains(got, want) {
			t.Errorf("worker env %v lacks %s", got, want)
		}
	}
	got = workerEnv([]string{"GOGC=off", "GOMEMLIMIT=300MiB"})
	for _, unwanted := range []string{"GOGC=400", "GOMEMLIMIT=1GiB"} {
		if slices.Contains(got, unwanted) {
			t.Errorf("worker env %v overrides the caller's setting with %s", got, unwanted)
		}
	}
}
