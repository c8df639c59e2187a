package replica

// raftLog is the in-memory log: the snapshot it starts after, and every
// entry since. Entry i lives at entries[i-snap.Index-1].
type raftLog struct {
	snap    SnapshotMeta
	entries []Entry
}

func (l *raftLog) lastIndex() uint64 { return l.snap.Index + uint64(len(l.entries)) }

func (l *raftLog) firstIndex() uint64 { return l.snap.Index + 1 }

func (l *raftLog) lastTerm() uint64 {
	if n := len(l.entries); n > 0 {
		return l.entries[n-1].Term
	}
	return l.snap.Term
}

// lastTimestamp is the cluster time of the last entry, the floor for the
// next one.
func (l *raftLog) lastTimestamp() int64 {
	if n := len(l.entries); n > 0 {
		return l.entries[n-1].Timestamp
	}
	return l.snap.Timestamp
}

// term returns the term of entry i and whether the log knows it: indexes
// compacted into the snapshot (other than its last) and indexes past the
// end are unknown.
func (l *raftLog) term(i uint64) (uint64, bool) {
	switch {
	case i == l.snap.Index:
		return l.snap.Term, true
	case i < l.snap.Index || i > l.lastIndex():
		return 0, false
	}
	return l.entries[i-l.snap.Index-1].Term, true
}

// at returns entry i, which must be in the log.
func (l *raftLog) at(i uint64) *Entry {
	if i <= l.snap.Index || i > l.lastIndex() {
		panicf("log entry %d outside [%d, %d]", i, l.firstIndex(), l.lastIndex())
	}
	return &l.entries[i-l.snap.Index-1]
}

// slice returns entries [lo, hi], which must be in the log. The result
// shares memory with the log; callers must not keep it past a truncation
// or a compaction.
func (l *raftLog) slice(lo, hi uint64) []Entry {
	if lo > hi {
		return nil
	}
	if lo <= l.snap.Index || hi > l.lastIndex() {
		panicf("log slice [%d, %d] outside [%d, %d]", lo, hi, l.firstIndex(), l.lastIndex())
	}
	return l.entries[lo-l.snap.Index-1 : hi-l.snap.Index]
}

// isUpToDate reports whether a log ending at (lastTerm, lastIndex) is at
// least as up to date as this one: the Raft election restriction.
func (l *raftLog) isUpToDate(lastTerm, lastIndex uint64) bool {
	return lastTerm > l.lastTerm() || (lastTerm == l.lastTerm() && lastIndex >= l.lastIndex())
}

// append adds entries that must continue the log exactly.
func (l *raftLog) append(es ...Entry) {
	if need := len(l.entries) + len(es); need > cap(l.entries) {
		// Doubling: the log runs to tens of thousands of entries
		// between snapshots (the byte rule of snapshotDue), and append
		// grows a slice that long by a quarter at a time, copying it
		// about five times its final size where doubling copies it twice.
		grown := make([]Entry, len(l.entries), max(need, 2*cap(l.entries)))
		copy(grown, l.entries)
		l.entries = grown
	}
	for i := range es {
		if es[i].Index != l.lastIndex()+1 {
			panicf("appending entry %d after %d", es[i].Index, l.lastIndex())
		}
		if es[i].Term < l.lastTerm() {
			panicf("appending entry of term %d after term %d", es[i].Term, l.lastTerm())
		}
		l.entries = append(l.entries, es[i])
	}
}

// truncateFrom drops entries from index i on.
func (l *raftLog) truncateFrom(i uint64) {
	if i <= l.snap.Index {
		panicf("truncating at %d inside the snapshot ending %d", i, l.snap.Index)
	}
	if i <= l.lastIndex() {
		clear(l.entries[i-l.snap.Index-1:])
		l.entries = l.entries[:i-l.snap.Index-1]
	}
}

// compact forgets entries up to and including the new snapshot's index.
func (l *raftLog) compact(meta SnapshotMeta) {
	if meta.Index <= l.snap.Index {
		return
	}
	// The entries left move to the front of the same array, which keeps
	// its capacity: the log grows back to about the same length before
	// the next snapshot, and a fresh array would regrow by doubling.
	kept := 0
	if meta.Index < l.lastIndex() {
		kept = copy(l.entries, l.entries[meta.Index-l.snap.Index:])
	}
	clear(l.entries[kept:]) // lets go of the compacted entries' data
	l.entries = l.entries[:kept]
	l.snap = meta
}
