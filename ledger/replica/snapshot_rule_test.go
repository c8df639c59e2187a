package replica

import "testing"

// growingMachine keeps every command it applies, as a ledger keeps every
// transfer, and counts the bytes its snapshots have cost.
type growingMachine struct {
	state         []byte
	snapshotBytes int
}

func (m *growingMachine) Apply(cmd []byte, _ int64) []byte {
	m.state = append(m.state, cmd...)
	return nil
}
func (m *growingMachine) Snapshot() []byte {
	m.snapshotBytes += len(m.state)
	return append([]byte(nil), m.state...)
}
func (m *growingMachine) Restore(b []byte) error { m.state = append([]byte(nil), b...); return nil }

// A state that only grows must not be rewritten whole every fixed number
// of entries: the work would grow with the square of the log. A snapshot
// waits until the log since the last one outweighs it, so the bytes all
// snapshots cost stay within a small multiple of the bytes applied.
func TestSnapshotWorkStaysProportionalToTheLog(t *testing.T) {
	m := &growingMachine{}
	cfg := DefaultConfig()
	cfg.ID, cfg.Peers = 0, []NodeID{0}
	cfg.SnapshotEntries = 16
	cfg.NewStateMachine = func() StateMachine { return m }
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.Start(newTestEnv(t))
	r.becomeCandidate()
	r.becomeLeader()
	const entries, size = 4096, 100
	cmd := make([]byte, size)
	for range entries {
		r.Propose(Request{Command: cmd}, func(Reply) {})
	}
	if r.applied < entries {
		t.Fatalf("applied %d of %d entries", r.applied, entries)
	}
	applied := entries * size
	t.Logf("%d snapshots cost %d bytes for %d bytes applied", r.stats.Snapshots, m.snapshotBytes, applied)
	if r.stats.Snapshots < 2 {
		t.Fatalf("%d snapshots: the log was never compacted", r.stats.Snapshots)
	}
	// With the entry count alone: 256 snapshots, 64 times the bytes applied.
	if m.snapshotBytes > 2*applied {
		t.Fatalf("snapshots cost %d bytes for %d bytes applied: more than twice", m.snapshotBytes, applied)
	}
	if r.log.lastIndex()-r.log.snap.Index > uint64(entries/2) {
		t.Fatalf("the log holds %d entries past the snapshot: more than the snapshot outweighs", r.log.lastIndex()-r.log.snap.Index)
	}
}
