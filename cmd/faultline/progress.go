package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// progress reports a sweep's progress on stderr: a line redrawn in place
// on a terminal, plain lines every tenth of the way in CI logs; both with
// the rate so far and the time left at that rate. It reads the wall clock,
// which is the harness's own business: nothing of it reaches a run.
type progress struct {
	w        io.Writer
	terminal bool
	now      func() time.Time
	start    time.Time
	lastTick int
	width    int // of the last redrawn line, to blank what a shorter one leaves
}

func newProgress(w io.Writer) *progress {
	return newProgressClock(w, isTerminal(w), time.Now) // nondeterministic-ok: progress is the harness's UI; the wall clock times the sweep, never a run
}

func newProgressClock(w io.Writer, terminal bool, now func() time.Time) *progress {
	return &progress{w: w, terminal: terminal, now: now, start: now()}
}

// isTerminal reports whether w is a terminal: a file whose descriptor
// answers a terminal's ioctl. Any character device is not enough:
// /dev/null is one.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (p *progress) update(done, total, failed int) {
	pace := pace(done, total, p.now().Sub(p.start))
	if p.terminal {
		const width = 30
		filled := width * min(done, total) / max(total, 1)
		line := fmt.Sprintf("[%s%s] %d/%d runs, %d failed, %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled),
			done, total, failed, pace)
		fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", max(p.width-len(line), 0)))
		p.width = len(line)
		return
	}
	if tick := 10 * done / max(total, 1); tick > p.lastTick || done == total {
		p.lastTick = tick
		fmt.Fprintf(p.w, "sweep: %d/%d runs, %d failed, %s\n", done, total, failed, pace)
	}
}

func (p *progress) done() {
	if p.terminal {
		fmt.Fprintln(p.w)
	}
}

// pace says how fast runs finish and when the rest will have, at the
// rate so far: "4.2 runs/s, 1m05s left". Before the first run finishes
// there is no rate to go by.
func pace(done, total int, elapsed time.Duration) string {
	if done <= 0 || elapsed <= 0 {
		return "time left unknown"
	}
	rate := float64(done) / elapsed.Seconds()
	if done >= total {
		return fmt.Sprintf("%s runs/s, done in %s", formatRate(rate), formatLeft(elapsed))
	}
	left := time.Duration(float64(elapsed) * float64(total-done) / float64(done))
	return fmt.Sprintf("%s runs/s, %s left", formatRate(rate), formatLeft(left))
}

func formatRate(rate float64) string {
	if rate < 10 {
		return fmt.Sprintf("%.1f", rate)
	}
	return fmt.Sprintf("%.0f", rate)
}

// formatLeft rounds to what a reader uses: seconds under an hour, minutes
// beyond; "1m05s", "2h10m", "8s".
func formatLeft(d time.Duration) string {
	if d < time.Hour {
		d = d.Round(time.Second)
		if d < time.Minute {
			return fmt.Sprintf("%ds", int(d.Seconds()))
		}
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}
