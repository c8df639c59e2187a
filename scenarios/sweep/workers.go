package sweep

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/faultline/faultline/reports"
)

// Workers describes the worker processes of RunWorkers.
//
// Why processes rather than goroutines: every simulation allocates heavily
// and keeps its own core busy, and in one Go process the simulations share
// one heap, one garbage collector and one page allocator. Measured on two
// cores (BENCHMARKS.md), two goroutine workers reach about 1.65x the runs
// of one, while two single-core worker processes reach about 1.9x, since
// each collects only its own garbage. Processes also contain what a
// goroutine cannot: a run that crashes the Go runtime, or hangs, costs its
// seed a failed record, not the sweep.
type Workers struct {
	// Command returns a command that starts one worker: a process that
	// calls Serve on its standard input and output. It is called again to
	// replace a worker that died or was killed.
	Command func() *exec.Cmd
	// RunTimeout bounds one run's wall-clock time. A worker that has not
	// answered by then is killed and its run recorded as failed (a hang is
	// a finding). Zero means no bound.
	RunTimeout time.Duration
	// Failed builds the record of a run whose worker died or hung, from
	// the job and what went wrong; nil gives a bare failed record.
	Failed func(Job, error) reports.RunRecord
}

// Errors a worker process can end a run with. The record's Error says which.
var (
	// ErrWorkerDied: the worker exited, or broke the protocol, while
	// running the job.
	ErrWorkerDied = errors.New("worker process died")
	// ErrRunTimeout: the run outlived Workers.RunTimeout and its worker
	// was killed.
	ErrRunTimeout = errors.New("run timed out")
)

// stderrTailMax is how much of a dead worker's standard error its run's
// record quotes: enough for a panic's message and the top of its stack.
const stderrTailMax = 4 << 10

// ErrInterrupted: the sweep's context was cancelled (SIGINT, SIGTERM)
// before every job ran. RunWorkers returns it wrapped, with the summary of
// the runs that did finish.
var ErrInterrupted = errors.New("sweep interrupted")

// RunWorkers runs every job in worker processes, opts.Parallel of them at
// once, and returns the records in job order, as Run does. It returns an
// error when a worker cannot be started at all, and ErrInterrupted (with
// a valid summary) when ctx ends first: then no job starts, the workers
// running one are killed and their jobs left unrecorded (a rerun gives
// the same record), idle workers are let exit, and every record that
// finished is still handed to OnRecord.
func RunWorkers(ctx context.Context, jobs []Job, w Workers, opts Options) (Summary, error) {
	c := newCollector(jobs, opts)
	next := make(chan int)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range c.workers(opts.Parallel) {
		wg.Go(func() { serveJobs(ctx, jobs, &w, c, next, errs) })
	}
feed:
	for i := range jobs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return Summary{}, err
	default:
	}
	if ctx.Err() != nil {
		c.flush()
		return c.result(), fmt.Errorf("%w: %w", ErrInterrupted, context.Cause(ctx))
	}
	return c.result(), nil
}

// serveJobs is one worker slot: it runs the jobs it is given in a worker
// process, starting one when needed and a new one after a death.
func serveJobs(ctx context.Context, jobs []Job, w *Workers, c *collector, next <-chan int, errs chan<- error) {
	var p *workerProcess
	defer func() { p.finish() }()
	for i := range next {
		if ctx.Err() != nil {
			continue // interrupted: let the feeder finish
		}
		if p == nil {
			var err error
			if p, err = startWorker(w.Command()); err != nil {
				select {
				case errs <- err:
				default:
				}
				for range next { // let the feeder finish
				}
				return
			}
		}
		rec, err := p.run(ctx, jobs[i], w.RunTimeout)
		if err != nil {
			p.stop()
			p = nil
			if ctx.Err() != nil {
				// Abandoned, or its worker died of the same signal as
				// the sweep: not a finding, and not recorded.
				continue
			}
			rec = w.failed(jobs[i], err)
		}
		c.add(i, rec)
	}
}

func (w *Workers) failed(j Job, err error) reports.RunRecord {
	if w.Failed != nil {
		return w.Failed(j, err)
	}
	return reports.RunRecord{Scenario: j.Scenario, Seed: j.Seed, Verdict: "fail", Error: err.Error()}
}

// workerProcess is one running worker and the pipes to it.
type workerProcess struct {
	cmd     *exec.Cmd
	jobs    io.WriteCloser
	results chan []byte // one line per run; closed when the output ends
	stderr  *tailBuffer
	exited  chan struct{}
}

func startWorker(cmd *exec.Cmd) (*workerProcess, error) {
	p := &workerProcess{cmd: cmd, results: make(chan []byte), stderr: &tailBuffer{max: stderrTailMax},
		exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start worker %s: %w", cmd.Path, err)
	}
	p.jobs = in
	go func() { // nondeterministic-ok: reads a worker's pipe in the sweep coordinator, outside any simulation
		defer close(p.results)
		lines := bufio.NewScanner(out)
		lines.Buffer(make([]byte, 64<<10), 256<<20)
		for lines.Scan() {
			p.results <- bytes.Clone(lines.Bytes())
		}
		_, _ = io.Copy(io.Discard, out) // an over-long line: drain to the end
	}()
	return p, nil
}

// run sends one job and waits for its record, or for ctx to end.
func (p *workerProcess) run(ctx context.Context, j Job, timeout time.Duration) (reports.RunRecord, error) {
	line, _ := json.Marshal(workerJob{Scenario: j.Scenario, Seed: j.Seed})
	if _, err := p.jobs.Write(append(line, '\n')); err != nil {
		return reports.RunRecord{}, p.died(err)
	}
	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout) // nondeterministic-ok: --run-timeout is wall-clock by design, in the coordinator
		defer t.Stop()
		deadline = t.C
	}
	select {
	case b, ok := <-p.results:
		if !ok {
			return reports.RunRecord{}, p.died(nil)
		}
		var rec reports.RunRecord
		if err := json.Unmarshal(b, &rec); err != nil || rec.Scenario != j.Scenario || rec.Seed != j.Seed {
			return reports.RunRecord{}, p.died(fmt.Errorf("answered %.200q", b))
		}
		return rec, nil
	case <-deadline:
		return reports.RunRecord{}, fmt.Errorf("%w: no result after %v; killed its worker", ErrRunTimeout, timeout)
	case <-ctx.Done():
		return reports.RunRecord{}, context.Cause(ctx)
	}
}

// died explains a worker's death: how it exited and the end of what it
// printed to standard error (a panic's message, a runtime fatal error).
func (p *workerProcess) died(cause error) error {
	p.stop()
	var why strings.Builder
	if cause != nil {
		fmt.Fprintf(&why, ": %v", cause)
	}
	if state := p.cmd.ProcessState; state != nil {
		fmt.Fprintf(&why, " (%s)", state)
	}
	if tail := strings.TrimSpace(p.stderr.String()); tail != "" {
		fmt.Fprintf(&why, "; stderr: %s", tail)
	}
	return fmt.Errorf("%w%s", ErrWorkerDied, why.String())
}

// stop ends the worker: closing its input asks it to exit; one that is
// stuck in a run is killed. Stopping twice, or a nil worker, is harmless.
func (p *workerProcess) stop() {
	if p == nil || p.cmd.ProcessState != nil {
		return
	}
	_ = p.jobs.Close()
	_ = p.cmd.Process.Kill() // a worker between runs would exit anyway; one in a run must not linger
	for range p.results {    // drain, so the reader goroutine ends
	}
	_ = p.cmd.Wait()
}

// finish ends an idle worker: closing its input asks it to exit, and it is
// given finishGrace to do so, because a clean exit is when a worker flushes
// what it keeps until the end (coverage counters under `make coverage`).
// One that does not exit in time is killed.
func (p *workerProcess) finish() {
	if p == nil || p.cmd.ProcessState != nil {
		return
	}
	_ = p.jobs.Close()
	exited := make(chan struct{})
	go func() { // nondeterministic-ok: the sweep's process supervision, outside any simulation
		for range p.results { // the reader ends when the worker closes its output
		}
		close(exited)
	}()
	select {
	case <-exited:
	case <-time.After(finishGrace): // nondeterministic-ok: a wall-clock grace for a worker process to exit; no run sees it
		_ = p.cmd.Process.Kill()
		<-exited
	}
	_ = p.cmd.Wait()
}

// finishGrace is how long an idle worker has to exit after its input
// closes: far more than it needs (it is between runs), bounded so that a
// wedged one cannot hold the sweep.
const finishGrace = 10 * time.Second

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// workerJob is one line of a worker's input.
type workerJob struct {
	Scenario string `json:"scenario"`
	Seed     uint64 `json:"seed"`
}

// Serve is a worker's main loop: it reads jobs, one JSON line each, from
// in, runs each with run and writes its record as one JSON line to out,
// until in ends. Nothing else may be written to out.
func Serve(in io.Reader, out io.Writer, run RunFunc) error {
	lines := bufio.NewScanner(in)
	w := bufio.NewWriter(out)
	for lines.Scan() {
		var j workerJob
		if err := json.Unmarshal(lines.Bytes(), &j); err != nil || j.Scenario == "" {
			return fmt.Errorf("worker: bad job line %.200q", lines.Bytes())
		}
		rec := run(Job(j))
		if err := reports.WriteRecord(w, &rec); err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	return lines.Err()
}
