package replica

import "fmt"

// panicf stops the replica at a broken invariant of its own: a bug, never
// bad input (bad messages and damaged disks are errors). In a simulation the
// panic stops the run at the first wrong step, with its seed.
func panicf(format string, args ...any) {
	panic("replica: invariant broken: " + fmt.Sprintf(format, args...))
}
