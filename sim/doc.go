// Package sim is a deterministic discrete-event simulator for event-driven
// distributed nodes.
//
// A simulation owns everything a node could otherwise take from the world:
// true time, each node's wall and monotonic clocks, timers, the network
// between nodes, a disk per node, and randomness. Nodes react to events
// (started, message received, timer fired) and act only through the Env they
// are handed, so one root seed reproduces one run exactly, on any machine and
// at any GOMAXPROCS. Every event is folded into a running trace hash that
// names the run.
//
// The package knows nothing of the ledger or of consensus: it simulates any
// node that implements Node. Faults (crashes, pauses, partitions, loss,
// clock jumps and drift, torn writes, bit flips, misdirected writes, fsync
// failures) are methods on Sim, Network and Disk that a fault injector calls
// from scheduled callbacks.
//
// Rules for code that runs inside a simulation: no time.Now, no global
// math/rand, no goroutines or channels, and no Go map iteration order that
// reaches a decision or an output.
package sim
