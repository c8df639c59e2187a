package sim_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/sim"
)

// The benchmarks here measure the simulator alone, one event per op, with
// nodes that do next to nothing. Besides ns/op (wall time, which a busy
// machine inflates) each reports cpu_ns/op, this process's CPU time per op,
// which is steadier when other work shares the cores.

// processCPUNs is the CPU time this process has used, user and system.
func processCPUNs(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// stepEvents fires b.N events of s, after its nodes have booted, and
// reports them per second of wall time (as unit) and CPU ns per event.
func stepEvents(b *testing.B, s *sim.Sim, unit string) {
	s.Run(0)
	b.ReportAllocs()
	b.ResetTimer()
	cpuBefore := processCPUNs(b)
	for range b.N {
		if !s.Step() {
			b.Fatal("ran out of events")
		}
	}
	cpu := processCPUNs(b) - cpuBefore
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), unit)
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu_ns/op")
}

// rearmNode keeps timersInFlight timers pending: each one re-arms itself
// when it fires, so the loop measures scheduling and firing alone.
type rearmNode struct{ env *sim.Env }

const timersInFlight = 64

func (r *rearmNode) Start(env *sim.Env) {
	r.env = env
	for i := range timersInFlight {
		env.SetTimer(time.Duration(i+1)*time.Microsecond, uint64(i))
	}
}
func (r *rearmNode) Receive(sim.NodeID, []byte) {}
func (r *rearmNode) Timer(tag uint64)           { r.env.SetTimer(time.Duration(tag+1)*time.Microsecond, tag) }

func timerSim(tb testing.TB) *sim.Sim {
	s, err := sim.New(sim.Config{Seed: 1, Nodes: []sim.NodeSpec{{Name: "n1", New: func() sim.Node { return &rearmNode{} }}}})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// BenchmarkEventLoop measures the raw event loop: one op is one event.
func BenchmarkEventLoop(b *testing.B) { stepEvents(b, timerSim(b), "events/s") }

// pingNode answers every message with one of the same size, so a fixed
// number of messages stays in flight.
type pingNode struct{ env *sim.Env }

const messagesInFlight = 64

func (p *pingNode) Start(env *sim.Env) {
	p.env = env
	if env.ID() == 0 {
		msg := make([]byte, 64)
		for range messagesInFlight {
			env.Send(1, msg)
		}
	}
}
func (p *pingNode) Receive(from sim.NodeID, msg []byte) { p.env.Send(from, msg) }
func (p *pingNode) Timer(uint64)                        {}

func networkSim(tb testing.TB) *sim.Sim {
	link := sim.LinkConfig{Latency: sim.UniformLatency(100*time.Microsecond, 2*time.Millisecond),
		DuplicateRate: 0.001, ReorderRate: 0.01}
	spec := func(name string) sim.NodeSpec {
		return sim.NodeSpec{Name: name, New: func() sim.Node { return &pingNode{} }}
	}
	s, err := sim.New(sim.Config{Seed: 1, Link: link, Nodes: []sim.NodeSpec{spec("n1"), spec("n2")}})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// BenchmarkNetwork measures messages through the network model: latency
// sampling, loss, duplication and reordering draws, copying and delivery.
// One op is one delivered message.
func BenchmarkNetwork(b *testing.B) { stepEvents(b, networkSim(b), "msgs/s") }

// logNode writes to a timed disk the way a replica's log does, keeping
// inFlight fsyncs queued: each completion appends a record to a log
// file, rewrites a small mark file (emptied, then written, as the WAL
// rewrites its ack mark and hard state) and issues the next fsync. The
// log is cut back to empty when it reaches logBytesMax, so that the disk's
// memory stays bounded however long it runs.
type logNode struct {
	env      *sim.Env
	inFlight int
	logSize  int64
	record   [200]byte
	mark     [40]byte
}

const logBytesMax = 256 << 10

func (l *logNode) Start(env *sim.Env) {
	l.env = env
	for range l.inFlight {
		l.round()
	}
}
func (l *logNode) Receive(sim.NodeID, []byte) {}
func (l *logNode) Timer(uint64)               {}
func (l *logNode) DiskDone(uint64, error)     { l.round() }

func (l *logNode) round() {
	d := l.env.Disk()
	if l.logSize+int64(len(l.record)) > logBytesMax {
		must(d.Truncate("log", 0))
		l.logSize = 0
	}
	l.record[0]++ // every record differs, as a log's do
	must(d.Write("log", l.logSize, l.record[:]))
	l.logSize += int64(len(l.record))
	must(d.Truncate("mark", 0))
	l.mark[0]++
	must(d.Write("mark", 0, l.mark[:]))
	if _, _, err := d.Barrier(); err != nil {
		panic(err)
	}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// diskSim runs one logNode keeping inFlight fsyncs queued. With one, each
// fsync finds nothing pending behind it when it completes; with more, the
// writes issued while it ran are still pending, which the disk settles
// differently.
func diskSim(inFlight int) func(testing.TB) *sim.Sim {
	return func(tb testing.TB) *sim.Sim {
		timing := sim.DiskTiming{Sync: sim.UniformLatency(50*time.Microsecond, 500*time.Microsecond), WriteBytesPerMs: 100_000}
		s, err := sim.New(sim.Config{Seed: 1, Nodes: []sim.NodeSpec{
			{Name: "n1", New: func() sim.Node { return &logNode{inFlight: inFlight} }, Disk: timing}}})
		if err != nil {
			tb.Fatal(err)
		}
		return s
	}
}

// BenchmarkDisk measures a timed disk under a log's load: one op is one
// fsync completion, with the writes and the fsync the node issues in it.
func BenchmarkDisk(b *testing.B) {
	b.Run("fsyncs=1", func(b *testing.B) { stepEvents(b, diskSim(1)(b), "fsyncs/s") })
	b.Run("fsyncs=2", func(b *testing.B) { stepEvents(b, diskSim(2)(b), "fsyncs/s") })
}

// hashSink keeps the benchmarked hashes live, so the compiler cannot drop
// the calls.
var hashSink uint64

// BenchmarkTraceFoldBytes measures the hash the trace folds every message
// and disk write by (four lanes) against the one chain it replaced, at the
// sizes of a small reply, an append entries, a batch, and a snapshot
// chunk. One op hashes one input.
func BenchmarkTraceFoldBytes(b *testing.B) {
	hashes := []struct {
		name string
		hash func([]byte) uint64
	}{{"lanes", sim.HashBytes}, {"serial", sim.HashBytesSerial}}
	for _, size := range []int{48, 200, 471, 64 << 10} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i * 7)
		}
		for _, h := range hashes {
			b.Run(fmt.Sprintf("%s/bytes=%d", h.name, size), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(size))
				for b.Loop() {
					hashSink ^= h.hash(data)
				}
			})
		}
	}
}
