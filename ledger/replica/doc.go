// Package replica replicates a deterministic state machine (the ledger)
// across a cluster with Raft, so that it survives the loss of any minority
// of its nodes without losing an acknowledged request.
//
// A Replica is a pure event-driven node: it reacts to Start, Receive and
// Timer calls, and takes its clocks, timers, network, disk and randomness
// from the Env it is handed. It starts no goroutines and reads no clock, so
// the simulator and the Maelstrom adapter are two callers of the same code.
//
// What it implements: leader election with randomized timeouts, PreVote and
// CheckQuorum; log replication with batching and pipelining; the commit rule
// of the Raft paper's Figure 8 (a leader counts replicas only for entries of
// its own term); leader transfer; durable term, vote and log with checksums,
// fsynced before any vote or acknowledgement; snapshots with log compaction
// and InstallSnapshot, streamed in checksummed chunks that the follower
// acknowledges one by one (Config.SnapshotChunkBytesMax, paced by
// InflightMax), with Appends bounded in bytes as well as entries
// (Config.AppendBytesMax); monotonic cluster time assigned by the leader;
// exactly-once client sessions kept in the replicated state; linearizable
// reads through the log; and detection of storage corruption (checksums,
// plus a durable ack mark that tells a torn unsynced tail from damaged
// synced data), after which a replica never campaigns, and votes only for a
// candidate that surely holds everything it ever acknowledged, until a
// leader has repaired it (protocol-aware recovery: a cluster where a
// majority found damage can still elect a leader). A replica whose storage
// does not outlive its process (Config.AbstainUntilCaughtUp) abstains the
// same way after every start.
//
// Handlers follow one discipline, the Ready loop of etcd's raft folded into
// each call: state changes first, then everything that must be durable is
// written and synced, and only then are the queued messages sent. A replica
// therefore never votes for or acknowledges what is not on its disk.
package replica
