package replica

// MessageKind says what a message is.
type MessageKind uint8

// Message kinds. Their numbers are part of the wire format: append only.
const (
	MsgPreVote MessageKind = iota + 1
	MsgPreVoteResp
	MsgVote
	MsgVoteResp
	MsgAppend
	MsgAppendResp
	MsgSnapshot
	MsgTimeoutNow
	MsgClientRequest
	MsgClientReply
	// MsgSnapshotResp acknowledges snapshot chunks (see MsgSnapshot).
	MsgSnapshotResp
)

var messageKindNames = [...]string{
	MsgPreVote: "prevote", MsgPreVoteResp: "prevote-resp", MsgVote: "vote", MsgVoteResp: "vote-resp",
	MsgAppend: "append", MsgAppendResp: "append-resp", MsgSnapshot: "snapshot",
	MsgTimeoutNow: "timeout-now", MsgClientRequest: "client-request", MsgClientReply: "client-reply",
	MsgSnapshotResp: "snapshot-resp",
}

// String names the kind.
func (k MessageKind) String() string {
	if int(k) < len(messageKindNames) && messageKindNames[k] != "" {
		return messageKindNames[k]
	}
	return "unknown"
}

// Message is every message replicas and clients exchange. Which fields are
// meaningful depends on Kind; the codec writes only those.
type Message struct {
	Kind MessageKind
	Term uint64

	// Elections (PreVote, Vote) and their answers.
	LastIndex uint64
	LastTerm  uint64
	Granted   bool
	Transfer  bool // a vote asked for by leader transfer, which bypasses leases

	// Replication (Append, AppendResp, Snapshot).
	PrevIndex uint64
	PrevTerm  uint64
	Entries   []Entry
	Commit    uint64
	Success   bool
	// Match is, on success, the last index the follower holds in agreement
	// with the leader; on rejection, RejectHint is where the leader should
	// try next.
	Match      uint64
	RejectHint uint64

	// Snapshots travel in chunks (MsgSnapshot): each names the snapshot
	// (Snapshot, SnapshotSize and the CRC-32C of all its bytes,
	// SnapshotChecksum) and carries SnapshotData, its bytes from Offset
	// on. A MsgSnapshotResp names the snapshot by Snapshot.Index and says
	// in Offset how many of its bytes the follower holds: with Success,
	// it took the chunk (or already had it); without, the chunk did not
	// follow on (a chunk lost, or a transfer it does not know) and the
	// leader should resume at Offset. A follower that installs the whole
	// snapshot answers with a MsgAppendResp instead.
	Snapshot         SnapshotMeta
	SnapshotSize     uint64
	SnapshotChecksum uint32
	Offset           uint64
	SnapshotData     []byte
	// Recovering, on an AppendResp, says the follower is repairing damaged
	// storage: if it reports less than it once acknowledged, it lost it.
	Recovering bool

	// Clients.
	Request Request
	Reply   Reply
}

// Request is a client's request: a command for the state machine, within a
// session that makes retries exactly-once.
type Request struct {
	// ClientID names the client's session; it is chosen by the client and
	// must be unique among live clients. ClientID 0 is sessionless: the
	// command is applied each time it is committed, with no deduplication,
	// for callers (like Maelstrom's clients) that never retry.
	ClientID uint64
	// Seq numbers the client's requests: 0 registers the session, and each
	// later request must take the next number. A retry reuses its number.
	Seq uint64
	// Command is opaque to the replica: the state machine decodes it.
	Command []byte
}

// ReplyStatus is the outcome of a request, as far as this replica knows.
type ReplyStatus uint8

// Reply statuses. Their numbers are part of the wire format.
const (
	// StatusOK: the request was applied (exactly once) and Result holds
	// the state machine's answer.
	StatusOK ReplyStatus = iota + 1
	// StatusNotLeader: this replica is not the leader (Leader is a hint,
	// or None) and did not take the request. An earlier attempt may still
	// apply through the log: a client retries, with the same Seq, at the
	// leader.
	StatusNotLeader
	// StatusSessionExpired: the session is unknown (never registered, or
	// evicted); nothing was applied.
	StatusSessionExpired
	// StatusStaleRequest: Seq is below the session's latest; nothing was
	// applied.
	StatusStaleRequest
	// StatusStopped: this replica detected damage it cannot repair and
	// stopped serving.
	StatusStopped
	// StatusBusy: too many requests are pending; nothing was applied.
	StatusBusy
	// StatusUnknown: the request was in this leader's log when it lost
	// leadership; it may still apply. Retry it with the same Seq: the
	// session answers the retry with the original result if it did.
	StatusUnknown
)

var replyStatusNames = [...]string{
	StatusOK: "ok", StatusNotLeader: "not-leader", StatusSessionExpired: "session-expired",
	StatusStaleRequest: "stale-request", StatusStopped: "stopped", StatusBusy: "busy",
	StatusUnknown: "unknown",
}

// String names the status.
func (s ReplyStatus) String() string {
	if int(s) < len(replyStatusNames) && replyStatusNames[s] != "" {
		return replyStatusNames[s]
	}
	return "unknown"
}

// Reply answers a Request.
type Reply struct {
	ClientID uint64
	Seq      uint64
	Status   ReplyStatus
	Leader   NodeID // hint when Status is StatusNotLeader
	Index    uint64 // log index the request was applied at
	Result   []byte
}
