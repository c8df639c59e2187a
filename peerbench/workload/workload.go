// Package workload is the replication workload every peer benchmark runs,
// whatever Raft implementation it drives: one leader, a stream of 200-byte
// proposals in batches, every message encoded and decoded on a wire in one
// process, every replica persisting and applying every committed entry.
//
// An implementation supplies a Cluster; Run times it. Everything that is
// not the implementation's own work (the payloads, the wire's queue, the
// state machine) is this package's, so that it costs every implementation
// the same.
package workload

import (
	"encoding/binary"
	"fmt"
	"syscall"
	"testing"
)

// The workload's shape. Each implementation is configured to match it as
// closely as its options allow (see the README).
const (
	// EntryBytes is the payload of one proposal, about a ledger command.
	EntryBytes = 200
	// BatchEntries is how many proposals the leader takes before the
	// benchmark delivers messages until the cluster is quiet: a burst of
	// client requests arriving together.
	BatchEntries = 64
	// SnapshotEntries is how often every replica snapshots its state
	// machine and compacts its log, in applied entries (our replica's
	// default, Config.SnapshotEntries), so that memory stays bounded
	// however long the benchmark runs.
	SnapshotEntries = 2048
	// WarmupEntries are proposed before the timer starts, so that the
	// figures are of the steady state: buffers grown, a snapshot taken.
	WarmupEntries = 2 * SnapshotEntries
	// AppendBytesMax caps the entries of one append message, and
	// InflightMax the append messages unanswered to one follower (our
	// replica's defaults).
	AppendBytesMax = 64 << 10
	InflightMax    = 32
	// ElectionTicks and HeartbeatTicks are the timeouts in ticks (our
	// replica's defaults); no tick happens while the benchmark is timed
	// except the heartbeats that end it.
	ElectionTicks  = 15
	HeartbeatTicks = 3
)

// payloadRing is how many distinct payloads the proposals cycle through.
// A payload is never written after it is built, and the leader may keep
// it in its log until a snapshot compacts it, so reuse is safe.
const payloadRing = 1 << 12

// payloads are the proposals' bytes: payload i starts with its number i,
// so that every entry's content differs from its neighbours'.
var payloads = func() [][]byte {
	out := make([][]byte, payloadRing)
	for i := range out {
		p := make([]byte, EntryBytes)
		binary.LittleEndian.PutUint64(p, uint64(i))
		for j := 8; j < len(p); j++ {
			p[j] = byte(i*31 + j)
		}
		out[i] = p
	}
	return out
}()

// Payload returns the bytes of proposal n. Callers must not change them.
func Payload(n uint64) []byte { return payloads[n%payloadRing] }

// Cluster is one implementation's replicas, started with a leader elected.
type Cluster interface {
	// Propose submits one entry with data at the leader.
	Propose(data []byte)
	// Settle delivers every message in flight, and every message that
	// delivery causes, until the cluster is quiet.
	Settle()
	// Finish makes every replica apply everything committed, e.g. by the
	// heartbeats that carry the leader's commit index, and settles.
	Finish()
	// Machines returns every replica's state machine, leader first.
	Machines() []*Machine
	// Wire returns the cluster's network.
	Wire() *Wire
}

// Run times the workload over b.N entries after WarmupEntries untimed.
// One op is one entry committed and applied on every replica: ns/op, B/op
// and allocs/op are per committed entry. It also reports the process CPU
// time per entry (cpu_ns/entry: unlike ns/op, it does not count time spent
// waiting for a busy machine's cores), the messages and wire bytes per
// entry, and checks that every replica applied every entry, in order.
func Run(b *testing.B, c Cluster) {
	Drive(c, 0, WarmupEntries)
	w := c.Wire()
	messages, bytes := w.Messages, w.Bytes
	total := uint64(WarmupEntries + b.N)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPUNs(b)
	Drive(c, WarmupEntries, total)
	cpu = processCPUNs(b) - cpu
	b.StopTimer()
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu_ns/entry")
	b.ReportMetric(float64(w.Messages-messages)/float64(b.N), "msgs/entry")
	b.ReportMetric(float64(w.Bytes-bytes)/float64(b.N), "wireB/entry")
	if err := Check(c.Machines(), total); err != nil {
		b.Fatal(err)
	}
}

// processCPUNs is the CPU time the process has used, user and system, in
// nanoseconds. Under GOMAXPROCS=1 it includes the garbage collector's
// work, which runs on the one P with the benchmark.
func processCPUNs(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// Drive proposes payloads from to to (excluded) in batches of BatchEntries,
// settling the cluster after each batch, and finishes.
func Drive(c Cluster, from, to uint64) {
	for n := from; n < to; n++ {
		c.Propose(Payload(n))
		if (n+1)%BatchEntries == 0 {
			c.Settle()
		}
	}
	c.Settle()
	c.Finish()
}

// Check reports an error unless every machine applied exactly the first
// total payloads, in order.
func Check(machines []*Machine, total uint64) error {
	want := Machine{}
	for n := range total {
		want.Apply(Payload(n))
	}
	for i, m := range machines {
		if *m != want {
			return fmt.Errorf("replica %d applied %d entries (digest %x), want %d (digest %x)",
				i, m.Entries, m.Digest, want.Entries, want.Digest)
		}
	}
	return nil
}

// Machine is the trivial state machine every replica applies committed
// entries to: a count and an order-sensitive digest of what it applied,
// so that a replica that skips, repeats or reorders an entry is caught.
type Machine struct {
	Entries uint64
	Digest  uint64
}

// fnvPrime64 is FNV-1a's 64-bit prime, used here to mix the digest.
const fnvPrime64 = 1099511628211

// Apply applies one entry's data: a payload built by Payload.
func (m *Machine) Apply(data []byte) {
	if len(data) != EntryBytes {
		panic(fmt.Sprintf("workload: applied an entry of %d bytes, want %d", len(data), EntryBytes))
	}
	m.Entries++
	m.Digest = (m.Digest ^ binary.LittleEndian.Uint64(data)) * fnvPrime64
}

// Snapshot encodes the machine.
func (m *Machine) Snapshot() []byte {
	out := make([]byte, 16)
	binary.LittleEndian.PutUint64(out, m.Entries)
	binary.LittleEndian.PutUint64(out[8:], m.Digest)
	return out
}

// Restore replaces the machine with a snapshot's.
func (m *Machine) Restore(b []byte) error {
	if len(b) != 16 {
		return fmt.Errorf("workload: snapshot of %d bytes, want 16", len(b))
	}
	m.Entries, m.Digest = binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:])
	return nil
}
