package sweep

import (
	"cmp"
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/reports"
)

// A sweep interrupted midway keeps every run that finished, even one that
// waits for an earlier job that never finishes; abandons the run in
// flight without recording it (not even as a hang); and, finished later
// with only the jobs that have no record, gives the same records and the
// same summary as a sweep that ran through.
func TestAnInterruptedSweepKeepsWhatFinishedAndResumes(t *testing.T) {
	all := jobs(12)
	all[1].Scenario = "hang" // never answers: only the interruption ends it
	var want []reports.RunRecord
	Run(all, fakeRun, Options{Parallel: 1, OnRecord: func(r reports.RunRecord) { want = append(want, r) }})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var first []reports.RunRecord
	opts := Options{Parallel: 2,
		OnRecord: func(r reports.RunRecord) { first = append(first, r) },
		OnProgress: func(done, _, _ int) {
			if done == 4 {
				cancel()
			}
		}}
	summary, err := runWithin(t, 30*time.Second, func() (Summary, error) {
		return RunWorkers(ctx, all, testWorkers("fake"), opts)
	})
	if !errors.Is(err, ErrInterrupted) || !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted sweep: %v", err)
	}
	if len(first) < 4 || len(first) >= len(all) || summary.Runs != len(first) || summary.Unfinished != len(all)-len(first) {
		t.Fatalf("%d records, summary %d runs, %d unfinished, of %d jobs", len(first), summary.Runs, summary.Unfinished, len(all))
	}
	done := map[Job]bool{}
	for i, r := range first {
		if r.Scenario == "hang" {
			t.Fatalf("the abandoned run was recorded: %+v", r)
		}
		if i > 0 && r.Seed <= first[i-1].Seed {
			t.Fatalf("records out of job order: %v", first)
		}
		done[Job{r.Scenario, r.Seed}] = true
	}

	var earlier Tally
	for _, r := range first {
		earlier.Add(r)
	}
	var rest []Job
	for _, j := range all {
		if !done[j] {
			rest = append(rest, j)
		}
	}
	rest[0].Scenario = "s" // the job that hung, this time answering
	var second []reports.RunRecord
	resumed, err := RunWorkers(context.Background(), rest, testWorkers("fake"), Options{Parallel: 2, Earlier: &earlier,
		OnRecord: func(r reports.RunRecord) { second = append(second, r) }})
	if err != nil {
		t.Fatal(err)
	}
	got := append(first, second...)
	slices.SortFunc(got, func(a, b reports.RunRecord) int { return cmp.Compare(a.Seed, b.Seed) })
	want[1] = fakeRun(rest[0])
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("interrupted and resumed:\n%v\nran through:\n%v", got, want)
	}
	if resumed.Runs != len(all) || resumed.Failed != 1 || resumed.Unfinished != 0 || len(resumed.Failures) != 1 {
		t.Fatalf("resumed summary %+v", resumed)
	}
}

// runWithin fails the test when run does not return within limit.
func runWithin(t *testing.T, limit time.Duration, run func() (Summary, error)) (Summary, error) {
	t.Helper()
	type result struct {
		s   Summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := run()
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-time.After(limit):
		t.Fatalf("the sweep did not stop within %v of its interruption", limit)
		return Summary{}, nil
	}
}
