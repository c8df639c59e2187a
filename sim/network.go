package sim

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// LinkConfig describes a one-way link between two nodes.
type LinkConfig struct {
	// Latency is the one-way delay distribution.
	Latency Latency `json:"latency"`
	// LossRate is the probability, in [0, 1], that a message is dropped.
	LossRate float64 `json:"loss_rate,omitempty"`
	// DuplicateRate is the probability, in [0, 1], that a message is
	// delivered twice, each copy with its own delay.
	DuplicateRate float64 `json:"duplicate_rate,omitempty"`
	// ReorderRate is the probability, in [0, 1], that a message is held
	// back by a second latency draw, so that later messages overtake it.
	ReorderRate float64 `json:"reorder_rate,omitempty"`
	// CorruptRate is the probability, in [0, 1], that a delivered copy of
	// a message arrives damaged: one bit flipped, or cut short, as a bad
	// NIC, cable or switch buffer leaves it when no transport checksum
	// catches it (TCP's 16-bit sum misses some). The receiver's own
	// checksums must reject it.
	CorruptRate float64 `json:"corrupt_rate,omitempty"`
}

// Validate names the first field that is out of range.
func (c LinkConfig) Validate() error {
	if err := c.Latency.Validate(); err != nil {
		return err
	}
	rates := [...]struct {
		name string
		p    float64
	}{{"loss_rate", c.LossRate}, {"duplicate_rate", c.DuplicateRate}, {"reorder_rate", c.ReorderRate},
		{"corrupt_rate", c.CorruptRate}}
	for _, r := range rates {
		if !(r.p >= 0 && r.p <= 1) { // also rejects NaN
			return fmt.Errorf("%s must be within [0, 1], got %v", r.name, r.p)
		}
	}
	return nil
}

// corruptNote renders the corrupt rate for the trace, and nothing for a
// link that never corrupts (the trace of such a link is as it always was).
func (c LinkConfig) corruptNote() string {
	if c.CorruptRate == 0 {
		return ""
	}
	return fmt.Sprintf(" corrupt=%v", c.CorruptRate)
}

// link is a LinkConfig compiled for the hot path: rates as integers.
type link struct {
	latency      Latency
	lossPPM      uint64
	duplicatePPM uint64
	reorderPPM   uint64
	corruptPPM   uint64
}

func compileLink(c LinkConfig) link {
	return link{
		latency:      c.Latency,
		lossPPM:      probabilityPPM(c.LossRate),
		duplicatePPM: probabilityPPM(c.DuplicateRate),
		reorderPPM:   probabilityPPM(c.ReorderRate),
		corruptPPM:   probabilityPPM(c.CorruptRate),
	}
}

// Network is the simulated network between every pair of nodes: a link
// config per ordered pair and a matrix of cut links. Partitions of any shape
// are sets of cut one-way links, so asymmetric partitions come for free.
type Network struct {
	sim   *Sim
	n     int
	links []link // n*n, indexed from*n+to
	cut   []bool // n*n: true drops every message from -> to
	rng   *rand.Rand
	stats NetworkStats
}

// NetworkStats counts what the network did. Corrupted counts the copies
// that left the network damaged (see LinkConfig.CorruptRate).
type NetworkStats struct {
	Sent, Delivered, Duplicated                    int64
	DroppedLoss, DroppedPartition, DroppedNodeDown int64
	Corrupted                                      int64
}

// Stats returns the network's counters.
func (nw *Network) Stats() NetworkStats { return nw.stats }

func (nw *Network) index(from, to NodeID) int { return int(from)*nw.n + int(to) }

func (nw *Network) valid(id NodeID) bool { return id >= 0 && int(id) < nw.n }

func (nw *Network) checkNodes(ids ...NodeID) error {
	for _, id := range ids {
		if !nw.valid(id) {
			return fmt.Errorf("sim: unknown node %d (the simulation has nodes 0..%d)", id, nw.n-1)
		}
	}
	return nil
}

// SetLink replaces the config of the one-way link from -> to.
func (nw *Network) SetLink(from, to NodeID, c LinkConfig) error {
	if err := nw.checkNodes(from, to); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("sim: link %s->%s: %w", nw.sim.NodeName(from), nw.sim.NodeName(to), err)
	}
	nw.links[nw.index(from, to)] = compileLink(c)
	nw.sim.trace.fault(nw.sim.now, from, "link", fmt.Sprintf("to=%s loss=%v dup=%v reorder=%v%s p50=%v",
		nw.sim.NodeName(to), c.LossRate, c.DuplicateRate, c.ReorderRate, c.corruptNote(), c.Latency.P50))
	return nil
}

// SetAllLinks replaces the config of every link.
func (nw *Network) SetAllLinks(c LinkConfig) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("sim: links: %w", err)
	}
	compiled := compileLink(c)
	for i := range nw.links {
		nw.links[i] = compiled
	}
	nw.sim.trace.fault(nw.sim.now, -1, "links", fmt.Sprintf("loss=%v dup=%v reorder=%v%s p50=%v",
		c.LossRate, c.DuplicateRate, c.ReorderRate, c.corruptNote(), c.Latency.P50))
	return nil
}

// Partition cuts every link, both ways, between nodes of different groups.
// Nodes named in no group keep their links, so Partition([a b] [d e]) leaves
// c as a bridge between the two sides. Cuts add to those already in place
// until Heal.
func (nw *Network) Partition(groups ...[]NodeID) error {
	groupOf := make([]int, nw.n)
	for i := range groupOf {
		groupOf[i] = -1
	}
	for g, group := range groups {
		for _, id := range group {
			if err := nw.checkNodes(id); err != nil {
				return fmt.Errorf("partition group %d: %w", g, err)
			}
			if groupOf[id] >= 0 {
				return fmt.Errorf("sim: partition: node %s is in groups %d and %d", nw.sim.NodeName(id), groupOf[id], g)
			}
			groupOf[id] = g
		}
	}
	for from := range nw.n {
		for to := range nw.n {
			if groupOf[from] >= 0 && groupOf[to] >= 0 && groupOf[from] != groupOf[to] {
				nw.cut[nw.index(NodeID(from), NodeID(to))] = true
			}
		}
	}
	nw.sim.trace.fault(nw.sim.now, -1, "partition", nw.describeGroups(groups))
	return nil
}

// Cut drops every message from -> to until Heal or Restore: a one-way
// (asymmetric) partition of a single link.
func (nw *Network) Cut(from, to NodeID) error {
	if err := nw.checkNodes(from, to); err != nil {
		return err
	}
	nw.cut[nw.index(from, to)] = true
	nw.sim.trace.fault(nw.sim.now, from, "cut", "to="+nw.sim.NodeName(to))
	return nil
}

// Restore reconnects the one-way link from -> to.
func (nw *Network) Restore(from, to NodeID) error {
	if err := nw.checkNodes(from, to); err != nil {
		return err
	}
	nw.cut[nw.index(from, to)] = false
	nw.sim.trace.fault(nw.sim.now, from, "restore", "to="+nw.sim.NodeName(to))
	return nil
}

// Isolate cuts every link to and from id.
func (nw *Network) Isolate(id NodeID) error {
	if err := nw.checkNodes(id); err != nil {
		return err
	}
	for other := range nw.n {
		if NodeID(other) != id {
			nw.cut[nw.index(id, NodeID(other))] = true
			nw.cut[nw.index(NodeID(other), id)] = true
		}
	}
	nw.sim.trace.fault(nw.sim.now, id, "isolate", "")
	return nil
}

// Heal reconnects every link. Link configs (latency, loss) are unchanged.
func (nw *Network) Heal() {
	clear(nw.cut)
	nw.sim.trace.fault(nw.sim.now, -1, "heal", "")
}

// Connected reports whether messages from -> to currently get through the
// partition matrix (they may still be lost).
func (nw *Network) Connected(from, to NodeID) bool {
	return nw.valid(from) && nw.valid(to) && !nw.cut[nw.index(from, to)]
}

func (nw *Network) describeGroups(groups [][]NodeID) string {
	out := make([]byte, 0, 64)
	for g, group := range groups {
		if g > 0 {
			out = append(out, " | "...)
		}
		for i, id := range group {
			if i > 0 {
				out = append(out, ' ')
			}
			out = append(out, nw.sim.NodeName(id)...)
		}
	}
	return string(out)
}

// route decides the fate of one message: the delays of the copies to
// deliver (none if dropped). It draws only from the network's stream.
func (nw *Network) route(from, to NodeID, delays *[2]time.Duration) (copies int, dropReason string) {
	if nw.cut[nw.index(from, to)] {
		nw.stats.DroppedPartition++
		return 0, "partition"
	}
	l := &nw.links[nw.index(from, to)]
	if chance(nw.rng, l.lossPPM) {
		nw.stats.DroppedLoss++
		return 0, "loss"
	}
	copies = 1
	if chance(nw.rng, l.duplicatePPM) {
		copies = 2
		nw.stats.Duplicated++
	}
	for i := range copies {
		d := l.latency.sample(nw.rng)
		if chance(nw.rng, l.reorderPPM) {
			d += l.latency.sample(nw.rng)
		}
		delays[i] = d
	}
	return copies, ""
}

// corrupt damages one copy of a message in flight, with probability the
// link's corrupt rate: half the time one bit of it flips, otherwise it is
// cut short (possibly to nothing). It returns what is left of b and
// whether it was damaged. It draws only from the network's stream, and
// nothing at all on a link that never corrupts.
func (nw *Network) corrupt(from, to NodeID, b []byte) (kept []byte, damaged bool) {
	if !chance(nw.rng, nw.links[nw.index(from, to)].corruptPPM) || len(b) == 0 {
		return b, false
	}
	nw.stats.Corrupted++
	if nw.rng.IntN(2) == 0 {
		off := nw.rng.IntN(len(b))
		b[off] ^= 1 << nw.rng.IntN(8)
		nw.sim.trace.fault(nw.sim.now, from, "corrupt", fmt.Sprintf("to=%s bit flipped at %d of %d bytes", nw.sim.NodeName(to), off, len(b)))
		return b, true
	}
	n := nw.rng.IntN(len(b))
	nw.sim.trace.fault(nw.sim.now, from, "corrupt", fmt.Sprintf("to=%s cut to %d of %d bytes", nw.sim.NodeName(to), n, len(b)))
	return b[:n], true
}
