package replica

import (
	"fmt"
	"slices"
	"time"
)

// StateMachine is the deterministic state the cluster replicates, such as
// the ledger. Every replica applies the same commands with the same
// timestamps in the same order, so every replica reaches the same state.
type StateMachine interface {
	// Apply executes one command at the cluster time timestamp (Unix
	// nanoseconds, never decreasing along the log) and returns the result
	// the client receives. It must be deterministic and must not fail:
	// a command it cannot execute gets an error result, not a panic.
	Apply(command []byte, timestamp int64) (result []byte)
	// Snapshot serializes the whole state.
	Snapshot() []byte
	// Restore replaces the whole state with a snapshot's. It must not
	// modify snapshot: the bytes are the replica's own copy, which it
	// serves to lagging followers.
	Restore(snapshot []byte) error
}

// Config is a replica's static configuration. Every replica of a cluster
// must have the same Peers and the same state machine.
type Config struct {
	// ID is this replica's address; it must be one of Peers.
	ID NodeID
	// Peers are the addresses of every replica of the cluster, this one
	// included, in the same order on every replica.
	Peers []NodeID
	// NewStateMachine builds an empty state machine.
	NewStateMachine func() StateMachine

	// TickInterval is the period of the replica's one timer, on its
	// monotonic clock; every timeout below counts ticks of it.
	TickInterval time.Duration
	// ElectionTicks is the minimum election timeout; each replica draws
	// its timeout from [ElectionTicks, 2*ElectionTicks) after every reset.
	ElectionTicks int
	// HeartbeatTicks is how often a leader sends heartbeats.
	HeartbeatTicks int
	// EntriesPerAppendMax caps the entries of one Append message.
	EntriesPerAppendMax int
	// AppendBytesMax caps the encoded entries of one Append message (see
	// entryWireSize): a leader stops adding entries once the next would
	// pass it. An Append always carries at least one entry when the
	// follower needs one, so an entry larger than the bound still goes
	// out, alone; a follower drops an Append whose entries before its
	// last exceed the bound. It is at most AppendBytesLimit.
	AppendBytesMax int
	// InflightMax caps the Append messages in flight to one follower, and
	// the snapshot chunks.
	InflightMax int
	// SnapshotChunkBytesMax caps the snapshot bytes of one message: a
	// leader streams a snapshot to a follower in chunks of at most this
	// many bytes, at most InflightMax of them unacknowledged, and the
	// follower installs it once every byte arrived and its checksum
	// holds. A follower drops a larger chunk. It is at most
	// SnapshotChunkLimit.
	SnapshotChunkBytesMax int
	// SnapshotEntries is the fewest applied entries that trigger a
	// snapshot and log compaction; the entries must also outweigh the
	// latest snapshot in bytes (see Replica.snapshotDue).
	SnapshotEntries uint64
	// SessionsMax caps the client sessions kept; the least recently used
	// session is evicted beyond it.
	SessionsMax int
	// PendingMax caps the requests a leader holds awaiting commit.
	PendingMax int
	// WAL sizes the log segments.
	WAL WALOptions
	// Rejoin says that this replica's disk, if blank, replaces one that
	// was lost (a new machine for an old member), not a new cluster's:
	// it may have acknowledged entries and voted in its earlier life, so
	// it must neither vote nor campaign until a leader has brought its
	// log up to date. The state survives crashes until then (a marker
	// file, see rejoinMarker).
	Rejoin bool
	// AbstainUntilCaughtUp says that this replica's storage does not
	// outlive its process (a volatile or in-memory disk, such as
	// ledger-node without --data-dir), so that every start may be a
	// replica that forgot what it acknowledged and whom it voted for: on
	// every start it grants no vote, not even a pre-vote, and never
	// campaigns, until a leader has caught its log up (it holds, durably,
	// the leader's log through the last index that leader named). Without
	// it, a restarted blank replica could vote a leader into office that
	// lacks an acknowledged write. Liveness: a cluster needs a majority
	// of replicas that do not abstain to elect a leader, so a cluster
	// whose replicas all set it never elects its first one.
	AbstainUntilCaughtUp bool
	// BootstrapLowestID restores liveness to a brand-new cluster whose
	// replicas all set AbstainUntilCaughtUp (it requires that option, and
	// every replica of the cluster must set both or neither). The replica
	// with the lowest ID in Peers, the bootstrap replica, may campaign for
	// term 1 while abstaining, if it has never heard of any term (it is in
	// term 0, its log empty); an abstaining replica grants a term-1
	// pre-vote or vote to it alone, and only while both logs are empty;
	// and that election needs every replica's grant, not a majority's.
	// Every other term needs catch-up first, and a bootstrap replica that
	// wins term 1 counts as caught up.
	//
	// Why it is safe: only the bootstrap replica ever campaigns in term 1
	// (any other needs a leader to catch it up first, which puts it in a
	// later term), so a replica that forgot its term-1 vote cannot help
	// elect a second, different leader of term 1. Unanimity is what
	// stops a restarted bootstrap replica from leading term 1 again: a
	// replica that has heard of any term refuses it (pre-vote and vote
	// each need the voter in term 0, its log empty), so the cluster is
	// bootstrapped again only when no replica remembers anything, every
	// one having lost its state since. Losing a majority of replicas at
	// once (with at least one surviving) therefore stalls the cluster
	// rather than losing acknowledged writes; losing all of them loses
	// everything and the cluster starts over, empty. Liveness: the first
	// election needs every replica up and reachable, and one failed
	// term-1 vote (a lost message) is not retried in that process's life.
	BootstrapLowestID bool

	// OnApply, if set, is called after each entry is applied, with the
	// entry and the running digest of the applied log. Harnesses use it to
	// check convergence; it must not change the replica.
	OnApply func(e *Entry, digest [32]byte)
	// OnLeader, if set, is called when this replica becomes leader of a
	// term. Harnesses use it to check election safety.
	OnLeader func(term uint64)
}

// DefaultConfig returns sane timing and bounds for a replica; the caller
// sets ID, Peers and NewStateMachine.
func DefaultConfig() Config {
	return Config{
		TickInterval:          10 * time.Millisecond,
		ElectionTicks:         15,
		HeartbeatTicks:        3,
		EntriesPerAppendMax:   256,
		AppendBytesMax:        64 << 10,
		InflightMax:           32,
		SnapshotChunkBytesMax: 64 << 10,
		SnapshotEntries:       2048,
		SessionsMax:           4096,
		PendingMax:            8192,
	}
}

// Validate names the first bad field.
func (c *Config) Validate() error {
	if len(c.Peers) == 0 || len(c.Peers) > 15 {
		return fmt.Errorf("replica config: peers: need 1 to 15 replicas, got %d", len(c.Peers))
	}
	self := 0
	for i, p := range c.Peers {
		for _, q := range c.Peers[:i] {
			if p == q {
				return fmt.Errorf("replica config: peers: %d listed twice", p)
			}
		}
		if p == c.ID {
			self++
		}
	}
	if self != 1 {
		return fmt.Errorf("replica config: id %d is not one of the peers %v", c.ID, c.Peers)
	}
	switch {
	case c.NewStateMachine == nil:
		return fmt.Errorf("replica config: new_state_machine is nil")
	case c.TickInterval <= 0:
		return fmt.Errorf("replica config: tick_interval must be positive, got %v", c.TickInterval)
	case c.HeartbeatTicks <= 0 || c.ElectionTicks <= c.HeartbeatTicks:
		return fmt.Errorf("replica config: need 0 < heartbeat_ticks (%d) < election_ticks (%d)", c.HeartbeatTicks, c.ElectionTicks)
	case c.EntriesPerAppendMax <= 0 || c.EntriesPerAppendMax > EntriesPerMsgMax:
		return fmt.Errorf("replica config: entries_per_append_max must be in [1, %d], got %d", EntriesPerMsgMax, c.EntriesPerAppendMax)
	case c.AppendBytesMax <= 0 || c.AppendBytesMax > AppendBytesLimit:
		return fmt.Errorf("replica config: append_bytes_max must be in [1, %d], got %d", AppendBytesLimit, c.AppendBytesMax)
	case c.InflightMax <= 0:
		return fmt.Errorf("replica config: inflight_max must be positive, got %d", c.InflightMax)
	case c.SnapshotChunkBytesMax <= 0 || c.SnapshotChunkBytesMax > SnapshotChunkLimit:
		return fmt.Errorf("replica config: snapshot_chunk_bytes_max must be in [1, %d], got %d", SnapshotChunkLimit, c.SnapshotChunkBytesMax)
	case c.SnapshotEntries == 0:
		return fmt.Errorf("replica config: snapshot_entries must be positive")
	case c.SessionsMax <= 0:
		return fmt.Errorf("replica config: sessions_max must be positive, got %d", c.SessionsMax)
	case c.PendingMax <= 0:
		return fmt.Errorf("replica config: pending_max must be positive, got %d", c.PendingMax)
	case c.BootstrapLowestID && !c.AbstainUntilCaughtUp:
		return fmt.Errorf("replica config: bootstrap_lowest_id needs abstain_until_caught_up: a replica that keeps its state bootstraps by the usual election")
	}
	return nil
}

// quorum is the number of replicas that make a majority.
func (c *Config) quorum() int { return len(c.Peers)/2 + 1 }

// bootstrapID is the replica that may campaign for term 1 while abstaining
// (see BootstrapLowestID): the lowest ID, which every replica derives from
// the same Peers.
func (c *Config) bootstrapID() NodeID { return slices.Min(c.Peers) }
