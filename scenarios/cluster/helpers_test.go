package cluster_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/faultline/faultline/ledger/client"
	"github.com/faultline/faultline/ledger/replica"
	"github.com/faultline/faultline/scenarios/cluster"
	"github.com/faultline/faultline/sim"
)

// counters is a tiny state machine for the replica's own tests: a command is
// a key, applying it increments that key's counter and returns the new value.
type counters struct{ values map[string]uint64 }

func newCounters() replica.StateMachine { return &counters{values: map[string]uint64{}} }

func (c *counters) Apply(cmd []byte, _ int64) []byte {
	c.values[string(cmd)]++
	return binary.LittleEndian.AppendUint64(nil, c.values[string(cmd)])
}

func (c *counters) Snapshot() []byte {
	keys := make([]string, 0, len(c.values))
	for k := range c.values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b []byte
	for _, k := range keys {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(k)))
		b = append(b, k...)
		b = binary.LittleEndian.AppendUint64(b, c.values[k])
	}
	return b
}

func (c *counters) Restore(b []byte) error {
	c.values = map[string]uint64{}
	for len(b) > 0 {
		if len(b) < 4 {
			return errors.New("truncated")
		}
		n := int(binary.LittleEndian.Uint32(b))
		if len(b) < 4+n+8 {
			return errors.New("truncated")
		}
		c.values[string(b[4:4+n])] = binary.LittleEndian.Uint64(b[4+n:])
		b = b[4+n+8:]
	}
	return nil
}

// incrementer drives one client: it increments its own key, over and over,
// and keeps what it learned for the exactly-once and durability checks.
type incrementer struct {
	key   string
	until sim.Time
	// thinkTime is the pause between increments; zero means a random
	// 0-20ms, negative means none.
	thinkTime time.Duration
	ok        []uint64 // values returned by acknowledged increments, in order
	unknown   int
	failed    int
	attempts  int
	sessions  int // sessions the client registered, as of its last completion
	expired   int // requests that ended unknown because the session was evicted
}

func (d *incrementer) Next(c *cluster.Client) ([]byte, time.Duration, bool) {
	if d.until > 0 && c.Now() >= d.until {
		return nil, 0, false
	}
	switch {
	case d.thinkTime < 0:
		return []byte(d.key), 0, true
	case d.thinkTime > 0:
		return []byte(d.key), d.thinkTime, true
	}
	return []byte(d.key), time.Duration(c.Env().Rand().Int64N(int64(20 * time.Millisecond))), true
}

func (d *incrementer) Completed(c *cluster.Client, op *cluster.Op) {
	d.attempts += op.Attempts
	d.sessions = c.Sessions()
	if op.Reason == client.ReasonSessionExpired {
		d.expired++
	}
	switch op.Outcome {
	case cluster.OutcomeOK:
		d.ok = append(d.ok, binary.LittleEndian.Uint64(op.Result))
	case cluster.OutcomeUnknown:
		d.unknown++
	default:
		d.failed++
	}
}

// checkIncrements verifies what the clients saw against the final state of
// every live replica: acknowledged increments are exactly once (strictly
// increasing results, and no result larger than acknowledged plus unknown
// increments) and durable (every replica's final value is at least the last
// acknowledged one).
func checkIncrements(c *cluster.Cluster, drivers []*incrementer) error {
	for _, d := range drivers {
		for i := 1; i < len(d.ok); i++ {
			if d.ok[i] <= d.ok[i-1] {
				return fmt.Errorf("key %s: results went %d then %d: an increment applied twice or was lost", d.key, d.ok[i-1], d.ok[i])
			}
		}
		for i := range c.Replicas() {
			r := c.Replica(i)
			if r == nil || r.Stopped() != nil {
				continue
			}
			got := r.StateMachine().(*counters).values[d.key]
			upper := uint64(len(d.ok) + d.unknown)
			if len(d.ok) > 0 && got < d.ok[len(d.ok)-1] {
				return fmt.Errorf("key %s: %s holds %d, below acknowledged %d: lost an acknowledged increment", d.key, cluster.ReplicaName(i), got, d.ok[len(d.ok)-1])
			}
			if got > upper {
				return fmt.Errorf("key %s: %s holds %d after %d acknowledged and %d unknown increments", d.key, cluster.ReplicaName(i), got, len(d.ok), d.unknown)
			}
		}
	}
	return nil
}

// newTestCluster builds n replicas of the counter machine and one client
// per driver.
func newTestCluster(seed uint64, n int, drivers []*incrementer, tune func(*cluster.Config)) (*cluster.Cluster, error) {
	var c *cluster.Cluster
	replicas := make([]sim.NodeID, n)
	for i := range replicas {
		replicas[i] = sim.NodeID(i)
	}
	cfg := cluster.Config{Seed: seed, Replicas: n, NewStateMachine: newCounters,
		Link: sim.LinkConfig{Latency: sim.UniformLatency(500*time.Microsecond, 3*time.Millisecond)}}
	for i, d := range drivers {
		cfg.Clients = append(cfg.Clients, sim.NodeSpec{Name: fmt.Sprintf("c%d", i+1),
			New: cluster.NewClient(func() *sim.Sim { return c.Sim }, uint64(1000+i), replicas,
				cluster.DefaultClientOptions(), d)})
	}
	if tune != nil {
		tune(&cfg)
	}
	var err error
	c, err = cluster.New(cfg)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// tuneSmallSnapshots makes replicas snapshot and compact often, so that
// tests exercise InstallSnapshot and restarts from snapshots.
func tuneSmallSnapshots(rc *replica.Config) {
	rc.SnapshotEntries = 64
	rc.WAL.SegmentEntriesMax = 32
}
