package replica

import (
	"bytes"
	"hash/crc32"
	"math/rand/v2"
	"testing"
)

// snapshotCluster is a three-replica cluster whose replica 2 was cut off
// while the leader applied state bytes of commands and compacted its log
// past everything replica 2 holds: it can only catch up by snapshot.
func snapshotCluster(t *testing.T, state, chunkMax int) *testCluster {
	t.Helper()
	c := newTestCluster(t, 3, func() StateMachine { return &growingMachine{} }, func(cfg *Config) {
		cfg.SnapshotEntries = 64
		cfg.SnapshotChunkBytesMax = chunkMax
		cfg.InflightMax = 4
	})
	c.cut[2] = true
	c.propose(state/1000, 1000)
	c.tick(1)
	if c.rs[0].log.snap.Index <= c.rs[2].log.lastIndex() {
		t.Fatalf("the leader's snapshot ends at %d, the cut replica's log at %d: no snapshot is needed", c.rs[0].log.snap.Index, c.rs[2].log.lastIndex())
	}
	c.cut[2] = false
	return c
}

// assertSameState checks that replica i holds the leader's state machine.
func (c *testCluster) assertSameState(i int) {
	c.t.Helper()
	c.assertConverged()
	got, want := c.rs[i].sm.(*growingMachine).state, c.rs[0].sm.(*growingMachine).state
	if !bytes.Equal(got, want) {
		c.t.Fatalf("replica %d holds %d bytes of state, the leader %d, or other bytes", i, len(got), len(want))
	}
}

// A snapshot of over a megabyte goes to a lagging follower in chunks, each
// within SnapshotChunkBytesMax, and the follower installs the same state.
// Under Maelstrom a leader once sent a 732,392-byte snapshot in one message.
func TestALargeSnapshotStreamsInBoundedChunks(t *testing.T) {
	const chunkMax = 16 << 10
	c := snapshotCluster(t, 2_500_000, chunkMax)
	size := len(c.rs[0].snapData)
	if size < 1<<20 {
		t.Fatalf("the leader's snapshot is %d bytes; the test wants one over a megabyte", size)
	}
	chunks, offset := 0, uint64(0)
	c.seen = func(from NodeID, s sentMessage) {
		if s.msg.Kind != MsgSnapshot {
			return
		}
		chunks++
		if n := len(s.msg.SnapshotData); n > chunkMax || len(s.wire) > chunkMax+128 {
			t.Fatalf("a chunk of %d bytes (%d on the wire), over %d", n, len(s.wire), chunkMax)
		}
		if s.msg.Offset != offset {
			t.Fatalf("chunk at %d, want %d: a lossless network needs no resend", s.msg.Offset, offset)
		}
		offset += uint64(len(s.msg.SnapshotData))
	}
	c.tick(10)
	c.assertSameState(2)
	st := c.rs[2].Status().Stats
	t.Logf("a %d-byte snapshot in %d chunks", size, chunks)
	if st.SnapshotsInstalled != 1 || chunks < size/chunkMax || uint64(chunks) != st.SnapshotChunksTaken {
		t.Fatalf("%d installed from %d chunks sent, %d taken; want one from at least %d", st.SnapshotsInstalled, chunks, st.SnapshotChunksTaken, size/chunkMax)
	}
}

// Chunks and their answers lost, duplicated and reordered: the follower
// still assembles the snapshot exactly, and the leader resumes where the
// follower stands rather than starting over each time.
func TestASnapshotStreamSurvivesLossDuplicationAndReordering(t *testing.T) {
	for seed := range uint64(4) {
		c := snapshotCluster(t, 300_000, 2<<10)
		rng := rand.New(rand.NewPCG(seed, 99))
		c.shuffle = rand.New(rand.NewPCG(seed, 100))
		c.net = func(from NodeID, s sentMessage) int {
			if s.msg.Kind != MsgSnapshot && s.msg.Kind != MsgSnapshotResp {
				return 1
			}
			switch rng.IntN(10) {
			case 0, 1:
				return 0
			case 2:
				return 2
			}
			return 1
		}
		for range 200 {
			c.tick(1)
			if c.rs[2].applied == c.rs[0].applied {
				break
			}
		}
		c.assertSameState(2)
		st := c.rs[0].Status().Stats
		t.Logf("seed %d: %d transfers, %d chunks sent for %d bytes", seed, st.SnapshotsSent, st.SnapshotChunksSent, len(c.rs[0].snapData))
		if st.SnapshotChunksSent > 4*uint64(len(c.rs[0].snapData)/(2<<10)+1)*st.SnapshotsSent {
			t.Fatalf("%d chunks sent: the stream restarted far too often", st.SnapshotChunksSent)
		}
	}
}

// chunkSource is a valid replica snapshot and the chunks a leader of term 1
// would send of it.
type chunkSource struct {
	meta SnapshotMeta
	data []byte
	sum  uint32
}

func newChunkSource(t *testing.T) chunkSource {
	t.Helper()
	cfg := DefaultConfig()
	cfg.ID, cfg.Peers = 0, []NodeID{0}
	cfg.NewStateMachine = func() StateMachine { return &growingMachine{} }
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.Start(newTestEnv(t))
	r.becomeCandidate()
	r.becomeLeader()
	for range 20 {
		r.Propose(Request{Command: []byte("0123456789")}, func(Reply) {})
	}
	r.takeSnapshot()
	return chunkSource{meta: r.log.snap, data: r.snapData, sum: crc32.Checksum(r.snapData, castagnoli)}
}

func (s chunkSource) chunk(term, off, n uint64) Message {
	end := min(off+n, uint64(len(s.data)))
	return Message{Kind: MsgSnapshot, Term: term, Snapshot: s.meta, SnapshotSize: uint64(len(s.data)),
		SnapshotChecksum: s.sum, Offset: off, SnapshotData: s.data[off:end]}
}

// answer is the one reply a chunk got: its kind, offset and success.
func answer(t *testing.T, env *testEnv) Message {
	t.Helper()
	sent := env.take()
	if len(sent) != 1 {
		t.Fatalf("sent %d messages, want one answer", len(sent))
	}
	return sent[0].msg
}

// A follower takes chunks only in order: a chunk of a transfer it does not
// know, or past a gap, is refused with where to resume; a duplicate is
// acknowledged and dropped; a chunk of an older term is refused outright;
// and a new leader's transfer starts over from the first byte.
func TestAFollowerAssemblesChunksInOrderOnly(t *testing.T) {
	src := newChunkSource(t)
	r, env := newTestReplica(t, 1, 3)
	expect := func(step string, from NodeID, m Message, kind MessageKind, offset uint64, success bool) {
		t.Helper()
		deliver(r, from, m)
		a := answer(t, env)
		if a.Kind != kind || (kind == MsgSnapshotResp && a.Offset != offset) || a.Success != success {
			t.Fatalf("%s: answered %s offset %d success %t, want %s offset %d success %t", step, a.Kind, a.Offset, a.Success, kind, offset, success)
		}
	}
	expect("a chunk of an unknown transfer", 0, src.chunk(1, 16, 16), MsgSnapshotResp, 0, false)
	expect("the first chunk", 0, src.chunk(1, 0, 16), MsgSnapshotResp, 16, true)
	expect("the first chunk again", 0, src.chunk(1, 0, 16), MsgSnapshotResp, 16, true)
	expect("a chunk past a gap", 0, src.chunk(1, 32, 16), MsgSnapshotResp, 16, false)
	expect("the next chunk", 0, src.chunk(1, 16, 16), MsgSnapshotResp, 32, true)
	expect("a chunk overlapping the end", 0, src.chunk(1, 24, 16), MsgSnapshotResp, 40, true)
	// Replica 2 wins term 2: its transfer starts from nothing, and the
	// old leader's chunks are refused as stale.
	expect("the new leader's chunk at 40", 2, src.chunk(2, 40, 16), MsgSnapshotResp, 0, false)
	expect("the old leader's next chunk", 0, src.chunk(1, 40, 16), MsgAppendResp, 0, false)
	if r.applied != 0 || r.incoming != nil {
		t.Fatalf("applied %d, assembling %v: want nothing taken yet", r.applied, r.incoming != nil)
	}
	size := uint64(len(src.data))
	for off := uint64(0); off+16 < size; off += 16 {
		expect("the new leader's chunks", 2, src.chunk(2, off, 16), MsgSnapshotResp, off+16, true)
	}
	last := (size - 1) / 16 * 16
	expect("the last chunk", 2, src.chunk(2, last, 16), MsgAppendResp, 0, true)
	if st := r.Status(); st.Applied != src.meta.Index || st.Stats.SnapshotsInstalled != 1 || r.incoming != nil {
		t.Fatalf("applied %d, %d installed: want the snapshot through %d installed", st.Applied, st.Stats.SnapshotsInstalled, src.meta.Index)
	}
	expect("a chunk of the installed snapshot", 2, src.chunk(2, 0, 16), MsgAppendResp, 0, true)
}

// A snapshot whose assembled bytes do not match its checksum is never
// installed; the follower asks for it again from the first byte.
func TestAFollowerInstallsOnlyASnapshotWhoseChecksumHolds(t *testing.T) {
	src := newChunkSource(t)
	r, env := newTestReplica(t, 1, 3)
	bad := src
	bad.data = append([]byte(nil), src.data...)
	bad.data[len(bad.data)/2] ^= 0x40 // damaged at the leader, not on the wire: each message's own CRC holds
	size := uint64(len(bad.data))
	for off := uint64(0); off < size; off += 64 {
		deliver(r, 0, bad.chunk(1, off, 64))
	}
	sent := env.take()
	a := sent[len(sent)-1].msg
	if a.Kind != MsgSnapshotResp || a.Success || a.Offset != 0 {
		t.Fatalf("answered the last chunk with %s offset %d success %t: want a request to start over", a.Kind, a.Offset, a.Success)
	}
	if st := r.Status(); st.Applied != 0 || st.Stats.SnapshotsInstalled != 0 || r.incoming != nil {
		t.Fatalf("applied %d, %d installed: a snapshot failing its checksum was taken", st.Applied, st.Stats.SnapshotsInstalled)
	}
}

// A follower drops a chunk larger than its bound.
func TestAFollowerDropsAnOversizeChunk(t *testing.T) {
	src := newChunkSource(t)
	r, env := newTestReplica(t, 1, 3)
	r.cfg.SnapshotChunkBytesMax = 8
	deliver(r, 0, src.chunk(1, 0, 9))
	if sent := env.take(); len(sent) != 0 || r.incoming != nil || r.stats.OversizeMessages != 1 {
		t.Fatalf("sent %d, assembling %v, %d oversize: want the chunk dropped", len(sent), r.incoming != nil, r.stats.OversizeMessages)
	}
}

// The leader paces a stream by its answers: with none coming back, it has
// at most InflightMax chunks out at once, and resends one per heartbeat.
func TestALeaderPacesASnapshotStreamByItsAcks(t *testing.T) {
	c := snapshotCluster(t, 100_000, 1<<10)
	c.net = func(from NodeID, s sentMessage) int {
		if s.msg.Kind == MsgSnapshotResp {
			return 0
		}
		return 1
	}
	chunks := 0
	c.seen = func(from NodeID, s sentMessage) {
		if s.msg.Kind == MsgSnapshot {
			chunks++
		}
	}
	total := 0
	for range 30 {
		chunks = 0
		c.tick(1)
		total += chunks
		if chunks > c.rs[0].cfg.InflightMax {
			t.Fatalf("%d chunks in one tick without an answer, over the window of %d", chunks, c.rs[0].cfg.InflightMax)
		}
	}
	if total == 0 {
		t.Fatal("no transfer started")
	}
	c.net = nil
	c.tick(6)
	c.assertSameState(2)
}
