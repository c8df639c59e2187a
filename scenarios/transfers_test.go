package scenarios

import (
	"testing"

	"github.com/faultline/faultline/ledger/replica"
)

// The swarm draws the message byte bounds small in some seeds, so that a
// sweep really streams snapshots in many chunks (and splits catch-ups
// into many appends) under the scenarios' faults. Swarm seed 6 draws
// 512-byte chunks and 4-KiB appends; its lagging replicas are refilled by
// snapshot, thousands of chunks of it, and the run passes.
func TestTheSwarmStreamsSnapshotsInChunks(t *testing.T) {
	sc, _ := Lookup("swarm")
	o, err := Run(&sc, 6, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, tr := o.Parameters, o.Transfers
	t.Logf("%s; transfers %+v", p.Describe(&sc), tr)
	if !o.Passed() {
		t.Fatalf("swarm seed 6 failed: %+v", o.Verdicts)
	}
	if def := replica.DefaultConfig(); p.SnapshotChunkBytesMax >= def.SnapshotChunkBytesMax || p.AppendBytesMax >= def.AppendBytesMax {
		t.Fatalf("seed 6 drew chunks of %d bytes and appends of %d: the test needs small ones", p.SnapshotChunkBytesMax, p.AppendBytesMax)
	}
	if tr.SnapshotsInstalled == 0 || tr.SnapshotChunks < 10*tr.Snapshots {
		t.Fatalf("transfers %+v: want snapshots installed from many chunks each", tr)
	}
	if tr.OversizeMessages != 0 {
		t.Fatalf("%d messages dropped as over the bounds the replicas share", tr.OversizeMessages)
	}
}

// Of the seeds that draw parameters, some keep the default byte bounds
// and some draw each of the small ones.
func TestSomeSeedsDrawSmallByteBounds(t *testing.T) {
	sc, _ := Lookup("swarm")
	def := replica.DefaultConfig()
	chunks, appends := map[int]int{}, map[int]int{}
	for seed := uint64(1); seed <= 200; seed++ {
		p := DrawParameters(seed, &sc)
		chunks[p.SnapshotChunkBytesMax]++
		appends[p.AppendBytesMax]++
	}
	for _, v := range []int{200, 512, 4096, def.SnapshotChunkBytesMax} {
		if chunks[v] == 0 {
			t.Errorf("no seed drew snapshot chunks of %d bytes: %v", v, chunks)
		}
	}
	for _, v := range []int{256, 1024, 4096, def.AppendBytesMax} {
		if appends[v] == 0 {
			t.Errorf("no seed drew appends of %d bytes: %v", v, appends)
		}
	}
}
