package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

// /dev/null is a character device, and no terminal: progress written
// there (or to a pipe, or a log file) must be plain lines, not a bar
// redrawn with carriage returns.
func TestDevNullIsNotATerminal(t *testing.T) {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) || newProgress(f).terminal {
		t.Fatal("/dev/null taken for a terminal")
	}
	if isTerminal(&bytes.Buffer{}) {
		t.Fatal("a buffer taken for a terminal")
	}
}

// fakeClock advances by step each time it is read.
func fakeClock(step time.Duration) func() time.Time {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		now := at
		at = at.Add(step)
		return now
	}
}

func TestPlainProgressSaysRateAndTimeLeft(t *testing.T) {
	var out bytes.Buffer
	p := newProgressClock(&out, false, fakeClock(500*time.Millisecond))
	for done := 1; done <= 20; done++ {
		p.update(done, 20, 0)
	}
	p.done()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	// Every tenth of 20 runs: 10 lines. The clock moves half a second per
	// read, so run 2 finished 1s after the start: 2 runs/s, 18 left, 9s.
	if len(lines) != 10 || lines[0] != "sweep: 2/20 runs, 0 failed, 2.0 runs/s, 9s left" ||
		lines[9] != "sweep: 20/20 runs, 0 failed, 2.0 runs/s, done in 10s" {
		t.Fatalf("%d lines:\n%s", len(lines), out.String())
	}
}

func TestTerminalProgressRedrawsOneLine(t *testing.T) {
	var out bytes.Buffer
	p := newProgressClock(&out, true, fakeClock(time.Second))
	p.update(1, 4, 1)
	p.update(4, 4, 1)
	p.done()
	s := out.String()
	if strings.Count(s, "\r") != 2 || strings.Count(s, "\n") != 1 || !strings.Contains(s, "1/4 runs, 1 failed, 1.0 runs/s, 3s left") {
		t.Fatalf("%q", s)
	}
}

func TestPaceArithmetic(t *testing.T) {
	for _, tc := range []struct {
		done, total int
		elapsed     time.Duration
		want        string
	}{
		{0, 10, time.Second, "time left unknown"},
		{5, 10, 0, "time left unknown"},
		{1, 100, 250 * time.Millisecond, "4.0 runs/s, 25s left"},
		{30, 200, 20 * time.Second, "1.5 runs/s, 1m53s left"},
		{1000, 50_000, time.Minute, "17 runs/s, 49m00s left"},
		{10, 10_000, 10 * time.Minute, "0.0 runs/s, 166h30m left"},
		{7, 7, 3500 * time.Millisecond, "2.0 runs/s, done in 4s"},
	} {
		if got := pace(tc.done, tc.total, tc.elapsed); got != tc.want {
			t.Errorf("pace(%d, %d, %v) = %q, want %q", tc.done, tc.total, tc.elapsed, got, tc.want)
		}
	}
}
