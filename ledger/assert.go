package ledger

import "fmt"

// panicf stops at a broken invariant of the ledger's own bookkeeping (a bug,
// never bad input: bad input gets a result code or an error).
func panicf(format string, args ...any) {
	panic("ledger: invariant broken: " + fmt.Sprintf(format, args...))
}
