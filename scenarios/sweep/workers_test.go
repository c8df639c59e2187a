package sweep

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/reports"
)

// The test binary doubles as a worker process: started with workerEnv set,
// it serves jobs instead of running tests.
const workerEnv = "FAULTLINE_SWEEP_TEST_WORKER"

func TestMain(m *testing.M) {
	switch os.Getenv(workerEnv) {
	case "fake":
		if err := Serve(os.Stdin, os.Stdout, misbehavingRun); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(0)
	case "scenario":
		if err := Serve(os.Stdin, os.Stdout, scenarioRun); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// misbehavingRun is fakeRun, except that scenario "crash" makes the worker
// die as a runtime fatal error would, and "hang" never finishes.
func misbehavingRun(j Job) reports.RunRecord {
	switch j.Scenario {
	case "crash":
		fmt.Fprintln(os.Stderr, "fatal error: concurrent map writes (simulated)")
		os.Exit(2)
	case "hang":
		time.Sleep(time.Hour) // (an empty select would be a detected deadlock)
	}
	return fakeRun(j)
}

func testWorkers(kind string) Workers {
	return Workers{Command: func() *exec.Cmd {
		cmd := exec.Command(os.Args[0])
		// One core per worker, as faultline sweep starts them.
		cmd.Env = append(os.Environ(), workerEnv+"="+kind, "GOMAXPROCS=1")
		return cmd
	}}
}

func TestWorkerProcessesGiveTheSameRecordsAsGoroutines(t *testing.T) {
	var records []reports.RunRecord
	want := Run(jobs(40), fakeRun, Options{Parallel: 1, OnRecord: func(r reports.RunRecord) { records = append(records, r) }})
	for _, p := range []int{1, 3} {
		var streamed []reports.RunRecord
		got, err := RunWorkers(context.Background(), jobs(40), testWorkers("fake"), Options{Parallel: p,
			OnRecord: func(r reports.RunRecord) { streamed = append(streamed, r) }})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(want, got) || !reflect.DeepEqual(records, streamed) {
			t.Fatalf("%d worker processes changed the records or their order", p)
		}
	}
}

// A run that kills its worker, or hangs, fails its own seed with the reason
// and the worker's last words; every other seed still runs, on a new worker.
func TestAWorkerThatDiesOrHangsFailsOnlyItsSeed(t *testing.T) {
	js := jobs(6)
	js[1].Scenario = "crash"
	js[4].Scenario = "hang"
	w := testWorkers("fake")
	w.RunTimeout = time.Second
	var got []reports.RunRecord
	summary, err := RunWorkers(context.Background(), js, w, Options{Parallel: 2, OnRecord: func(r reports.RunRecord) { got = append(got, r) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(js) {
		t.Fatalf("%d records for %d jobs", len(got), len(js))
	}
	for i, rec := range got {
		switch i {
		case 1:
			if rec.Verdict != "fail" || !strings.Contains(rec.Error, ErrWorkerDied.Error()) ||
				!strings.Contains(rec.Error, "concurrent map writes") {
				t.Errorf("crashed run: %+v", rec)
			}
		case 4:
			if rec.Verdict != "fail" || !strings.Contains(rec.Error, ErrRunTimeout.Error()) {
				t.Errorf("hung run: %+v", rec)
			}
		default:
			if want := fakeRun(js[i]); !reflect.DeepEqual(rec, want) {
				t.Errorf("run %d: got %+v, want %+v", i, rec, want)
			}
		}
	}
	if summary.Failed != 2 || len(summary.Failures) != 2 {
		t.Fatalf("%d failed, want the 2 broken runs", summary.Failed)
	}
}

func TestAWorkerThatCannotStartIsAnError(t *testing.T) {
	w := Workers{Command: func() *exec.Cmd { return exec.Command("/nonexistent/faultline-worker") }}
	if _, err := RunWorkers(context.Background(), jobs(5), w, Options{Parallel: 2}); err == nil {
		t.Fatal("a sweep whose workers cannot start reported success")
	}
}

func TestServeRejectsAMalformedJob(t *testing.T) {
	var out strings.Builder
	err := Serve(strings.NewReader("{\"scenario\":\"s\",\"seed\":1}\nnot json\n"), &out, fakeRun)
	if err == nil || !strings.Contains(err.Error(), "bad job line") {
		t.Fatalf("Serve on a malformed job: %v", err)
	}
	recs, rerr := reports.ReadRecords(strings.NewReader(out.String()))
	if rerr != nil || len(recs) != 1 || recs[0].Seed != 1 {
		t.Fatalf("the good job before it was not answered: %v %+v", rerr, recs)
	}
	if errors.Is(err, ErrWorkerDied) {
		t.Fatal("wrong error class")
	}
}
