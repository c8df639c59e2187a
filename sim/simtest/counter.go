// Package simtest holds a small node and a fault driver for exercising the
// simulator itself: its own tests, its benchmarks, and the demo that the
// command line runs before any ledger is involved. It plays the part for
// sim that net/http/httptest plays for net/http.
package simtest

import (
	"encoding/binary"
	"hash/crc32"
	"strconv"
	"time"

	"github.com/faultline/faultline/sim"
)

// Counter is a node that exercises every feature a real node uses: it
// counts ticks of a jittered timer, persists the count with a checksum
// (syncing only every other tick, so a crash has something to lose) and
// appends it to a log file, broadcasts it with its wall clock to every peer,
// and remembers the highest count each peer has sent.
type Counter struct {
	env       *sim.Env
	count     uint64
	synced    uint64 // the highest count known durable
	recovered uint64 // the count read back from disk at start
	corrupt   bool   // the persisted count failed its checksum at start
	seen      map[sim.NodeID]uint64
}

const (
	counterFile = "counter"
	logFile     = "log"
	tickTag     = 1
	// TickPeriod is the counter's base tick; each tick adds up to half of
	// it again as jitter drawn from the node's random stream.
	TickPeriod = 10 * time.Millisecond
)

// NewCounter returns a fresh Counter; use it as NodeSpec.New.
func NewCounter() sim.Node { return &Counter{seen: make(map[sim.NodeID]uint64)} }

// Count returns the node's current count.
func (c *Counter) Count() uint64 { return c.count }

// Recovered returns the count read back from disk when this life started.
func (c *Counter) Recovered() uint64 { return c.recovered }

// Corrupt reports whether the persisted count failed its checksum at start.
func (c *Counter) Corrupt() bool { return c.corrupt }

// Seen returns the highest count received from peer.
func (c *Counter) Seen(peer sim.NodeID) uint64 { return c.seen[peer] }

// Start implements sim.Node.
func (c *Counter) Start(env *sim.Env) {
	c.env = env
	c.count, c.corrupt = readCounter(env.Disk())
	c.recovered, c.synced = c.count, c.count
	if c.corrupt {
		env.Record("counter checksum mismatch")
	}
	c.arm()
}

func (c *Counter) arm() {
	jitter := time.Duration(c.env.Rand().Int64N(int64(TickPeriod / 2)))
	c.env.SetTimer(TickPeriod+jitter, tickTag)
}

// Timer implements sim.Node.
func (c *Counter) Timer(tag uint64) {
	if tag != tickTag {
		panic("simtest: unexpected timer tag")
	}
	c.count++
	writeCounter(c.env.Disk(), c.count)
	appendLog(c.env.Disk(), c.count)
	if c.count%2 == 0 {
		if err := c.env.Disk().Sync(); err != nil {
			c.env.Record("fsync failed: " + err.Error())
		} else {
			c.synced = c.count
		}
	}
	var msg [16]byte
	binary.LittleEndian.PutUint64(msg[:8], c.count)
	binary.LittleEndian.PutUint64(msg[8:], uint64(c.env.WallTime()))
	for peer := range c.env.NodeCount() {
		if sim.NodeID(peer) != c.env.ID() {
			c.env.Send(sim.NodeID(peer), msg[:])
		}
	}
	c.arm()
}

// Receive implements sim.Node.
func (c *Counter) Receive(from sim.NodeID, msg []byte) {
	if len(msg) != 16 {
		return
	}
	if v := binary.LittleEndian.Uint64(msg[:8]); v > c.seen[from] {
		c.seen[from] = v
	}
}

func writeCounter(d *sim.Disk, v uint64) {
	var rec [12]byte
	binary.LittleEndian.PutUint64(rec[:8], v)
	binary.LittleEndian.PutUint32(rec[8:], crc32.ChecksumIEEE(rec[:8]))
	if err := d.Write(counterFile, 0, rec[:]); err != nil {
		panic(err) // offset 0 and 12 bytes: cannot be invalid
	}
}

// appendLog appends the count to a second file, so that disks hold several
// files and a crash has more than one file to roll back.
func appendLog(d *sim.Disk, v uint64) {
	var rec [8]byte
	binary.LittleEndian.PutUint64(rec[:], v)
	if err := d.Write(logFile, max(d.Size(logFile), 0), rec[:]); err != nil {
		panic(err) // the log stays far below FileSizeMax in any test run
	}
}

func readCounter(d *sim.Disk) (value uint64, corrupt bool) {
	var rec [12]byte
	n, _ := d.Read(counterFile, 0, rec[:])
	if n == 0 {
		return 0, false
	}
	if n != len(rec) || crc32.ChecksumIEEE(rec[:8]) != binary.LittleEndian.Uint32(rec[8:]) {
		return 0, true
	}
	return binary.LittleEndian.Uint64(rec[:8]), false
}

// CounterCluster builds a simulation of n counter nodes named n1..nN with
// 1-5ms of latency jitter on every link; mutate, if set, adjusts the config
// first.
func CounterCluster(seed uint64, n int, mutate func(*sim.Config)) (*sim.Sim, error) {
	cfg := sim.Config{Seed: seed, Link: sim.LinkConfig{Latency: sim.UniformLatency(time.Millisecond, 5*time.Millisecond)}}
	for i := range n {
		cfg.Nodes = append(cfg.Nodes, sim.NodeSpec{Name: nodeName(i), New: NewCounter})
	}
	if mutate != nil {
		mutate(&cfg)
	}
	return sim.New(cfg)
}

func nodeName(i int) string { return "n" + strconv.Itoa(i+1) }

// CounterOf returns node id as a Counter, or nil while it is down.
func CounterOf(s *sim.Sim, id sim.NodeID) *Counter {
	c, _ := s.Node(id).(*Counter)
	return c
}
