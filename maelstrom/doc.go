// Package maelstrom runs the replicated ledger's consensus code under
// Jepsen's Maelstrom workbench: real processes speaking JSON over stdin and
// stdout. The same ledger/replica code that runs inside the simulator runs
// here, with an environment backed by the real clock, Go timers and the
// Maelstrom node's messages; consensus messages between nodes travel as
// Maelstrom messages of type "raft".
//
// The node is split in two. Node is its deterministic core: it takes one
// message, timer or storage completion at a time and does all its I/O
// through a Host, with no goroutine or clock of its own, so a simulator
// can run it (the maelstrom-node scenario does). Server is the process
// shell cmd/ledger-node runs: stdin, stdout, the real clock, Go timers and
// a file or memory disk around one event loop.
//
// It serves Maelstrom's lin-kv workload (read, write, cas) on a replicated
// key-value state machine, and ledger RPCs on the ledger beside it. With a
// data directory the replica's WAL and snapshots live on fsynced files
// (FileDisk); without one, in memory (MemDisk).
package maelstrom
