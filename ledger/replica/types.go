package replica

import (
	"math/rand/v2"
	"time"
)

// NodeID names a replica of the cluster: its index in Config.Peers.
type NodeID int32

// None is the NodeID of nobody, e.g. no vote cast or no known leader.
const None NodeID = -1

// TimerID names a pending timer so that it can be cancelled.
type TimerID uint64

// Env is everything a replica takes from the world. The simulator, the
// Maelstrom adapter and any real transport each implement it; the replica
// never reads a clock, starts a goroutine or draws randomness any other way,
// which is what makes it deterministic under simulation.
type Env interface {
	// WallTime returns the node's wall clock in Unix nanoseconds. It may
	// jump; the replica uses it only to propose cluster time, which it keeps
	// monotonic itself.
	WallTime() int64
	// Monotonic returns the node's monotonic clock. It never goes back but
	// may run fast or slow; leases are sized against a documented drift bound.
	Monotonic() time.Duration
	// SetTimer calls the replica's Timer method with tag after d of
	// monotonic time.
	SetTimer(d time.Duration, tag uint64) TimerID
	// CancelTimer stops a pending timer.
	CancelTimer(id TimerID) bool
	// Send delivers msg to node to, maybe: it may be lost, delayed,
	// duplicated or reordered. The callee copies msg.
	Send(to NodeID, msg []byte)
	// Disk is the node's durable storage.
	Disk() Disk
	// Rand is the node's own random stream.
	Rand() *rand.Rand
	// Record notes a decision (became leader, stepped down, detected
	// corruption) in the environment's trace.
	Record(note string)
}

// Disk is the durable storage a replica needs: named files of bytes, written
// at offsets, durable only after Sync. *sim.Disk satisfies it, as does a
// thin wrapper over the operating system's files.
type Disk interface {
	Write(name string, off int64, p []byte) error
	// Read returns io.EOF at or past the end, and a short count with io.EOF
	// when the file ends inside p.
	Read(name string, off int64, p []byte) (int, error)
	ReadAll(name string) ([]byte, error)
	// Size returns the file's length, or -1 if it does not exist.
	Size(name string) int64
	Truncate(name string, size int64) error
	Remove(name string)
	// Files lists the existing files, sorted by name.
	Files() []string
	// Sync makes every earlier write durable before any later one, or
	// fails; after a failure the unsynced writes are lost for good and the
	// replica must stop. A disk may return before the writes are durable
	// (a device queue, the simulator's timed disk): Barrier says when.
	Sync() error
	// Barrier returns a ticket for every write issued so far (syncing any
	// that no Sync covers yet) and whether they are all durable already.
	// If not, the environment calls Replica.Durable with that ticket, or a
	// later one, once they are, or with an error if they never will be.
	// A disk whose Sync blocks until durable always returns true.
	Barrier() (ticket uint64, durable bool, err error)
}

// EntryKind says what a log entry carries.
type EntryKind uint8

const (
	// EntryNoop is the empty entry a new leader appends to commit its term.
	EntryNoop EntryKind = iota + 1
	// EntryCommand carries a client request for the state machine.
	EntryCommand
)

// Entry is one record of the replicated log.
type Entry struct {
	Term  uint64
	Index uint64
	Kind  EntryKind
	// Timestamp is the cluster time the leader assigned, in Unix
	// nanoseconds; it never goes backwards along the log.
	Timestamp int64
	// Data is the encoded request (client id, request number, command).
	Data []byte
}

// HardState is what a replica must remember across crashes before it votes
// or acknowledges: its current term and whom it voted for in that term.
type HardState struct {
	Term uint64
	Vote NodeID
}

// SnapshotMeta names the log position a snapshot covers.
type SnapshotMeta struct {
	Index uint64 // last log index the snapshot includes
	Term  uint64 // term of that entry
	// Timestamp is the cluster time of that entry, so that cluster time
	// stays monotonic after a restart from the snapshot alone.
	Timestamp int64
}
