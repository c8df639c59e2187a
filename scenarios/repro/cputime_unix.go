//go:build unix

package repro

import (
	"syscall"
	"time"
)

// processCPU is the CPU time this process has used so far, user and
// system, on every thread.
//
// A run's CPU time is the difference across it. Process time, not the
// thread's (RUSAGE_THREAD with the goroutine locked to its thread): the
// garbage collector's mark workers run on other threads, and their work is
// the run's too, often a fifth of it. Process time is the run's alone when
// the process runs one simulation at a time, as faultline run and each
// sweep worker (one process per core, jobs in turn; see sweep.Serve) do;
// a caller that runs simulations concurrently in one process gets each
// run's figure inflated by the others'.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
