package sim

import "fmt"

// panicf reports a broken invariant of the simulator's own bookkeeping,
// never bad user input: it means a bug in sim, and stopping at once (with the
// seed in the caller's hands) beats a silently wrong trace.
//
// Callers test the condition themselves, `if !ok { panicf(...) }`, rather
// than pass it to an assert function: boxing the format arguments for a call
// would allocate on every event of the hot path.
func panicf(format string, args ...any) {
	panic("sim: invariant broken: " + fmt.Sprintf(format, args...))
}
