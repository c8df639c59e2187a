package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/faultline/faultline/faults"
	"github.com/faultline/faultline/ledger/replica"
	"github.com/faultline/faultline/scenarios/cluster"
	"github.com/faultline/faultline/sim"
)

// Parameters are the knobs of one run that its seed draws, as
// FoundationDB's BUGGIFY and TigerBeetle's swarm options do: the cluster
// size, the replicas' timeouts, message and snapshot sizes, the session table, the number of
// clients, their timeouts and the workload mix. A bug that only shows with
// one entry per append, or with a snapshot every few dozen entries, is out
// of reach of a catalog that always runs replica.DefaultConfig(). Half of
// the seeds keep the defaults, so the common configuration stays the most
// tested one.
type Parameters struct {
	// Replicas is the cluster size, one of the scenario's SwarmSizes; the
	// fault plan is drawn for it (see Scenario.Sized).
	Replicas            int    `json:"replicas"`
	ElectionTicks       int    `json:"election_ticks"`
	HeartbeatTicks      int    `json:"heartbeat_ticks"`
	EntriesPerAppendMax int    `json:"entries_per_append_max"`
	InflightMax         int    `json:"inflight_max"`
	SnapshotEntries     uint64 `json:"snapshot_entries"`
	// AppendBytesMax and SnapshotChunkBytesMax bound the bytes of one
	// Append and of one snapshot chunk: a few hundred bytes split every
	// catch-up into many messages and every snapshot into many chunks.
	AppendBytesMax        int `json:"append_bytes_max"`
	SnapshotChunkBytesMax int `json:"snapshot_chunk_bytes_max"`
	SegmentEntriesMax     int `json:"segment_entries_max"`
	// SessionsMax is the replicas' session table; BatchJobs join mid-run
	// when it is small (see SessionPressure).
	SessionsMax int        `json:"sessions_max"`
	BatchJobs   []BatchJob `json:"batch_jobs,omitempty"`
	Clients     int        `json:"clients"`
	// RogueClients send malformed frames and commands beside the
	// workload (see rogue.go).
	RogueClients int `json:"rogue_clients,omitempty"`
	// AttemptTimeout and GiveUpAfter are the clients' (cluster.ClientOptions).
	AttemptTimeout faults.Duration `json:"attempt_timeout"`
	GiveUpAfter    faults.Duration `json:"give_up_after"`
	Mix            Mix             `json:"mix"`
	// Volatile runs a Maelstrom scenario's nodes as ledger-node runs
	// without --data-dir: replica state in memory, so every restart comes
	// back blank, abstains until a leader has caught it up, and a blank
	// cluster bootstraps by the lowest-ID rule (see drawVolatile).
	Volatile bool `json:"volatile,omitempty"`
}

// DefaultParameters are a scenario's knobs as written: the replicas'
// defaults and the scenario's own workload.
func DefaultParameters(sc *Scenario) Parameters {
	rc := replica.DefaultConfig()
	client := sc.Workload.Client
	if client.AttemptTimeout == 0 {
		client = cluster.DefaultClientOptions()
	}
	return Parameters{Replicas: sc.Replicas, ElectionTicks: rc.ElectionTicks, HeartbeatTicks: rc.HeartbeatTicks,
		EntriesPerAppendMax: rc.EntriesPerAppendMax, InflightMax: rc.InflightMax, SnapshotEntries: rc.SnapshotEntries,
		AppendBytesMax: rc.AppendBytesMax, SnapshotChunkBytesMax: rc.SnapshotChunkBytesMax,
		SegmentEntriesMax: replica.SegmentEntriesDefault, SessionsMax: rc.SessionsMax, Clients: sc.Workload.Clients,
		AttemptTimeout: faults.Duration(client.AttemptTimeout), GiveUpAfter: faults.Duration(client.GiveUpAfter),
		Mix: sc.Workload.Mix, RogueClients: sc.RogueClients}
}

// DrawParameters draws a run's knobs from its seed, on streams of their
// own so that drawing them changes no other draw. A scenario that is a
// reference (NoParameterSwarm) keeps its knobs; every scenario may still
// draw session pressure.
func DrawParameters(seed uint64, sc *Scenario) Parameters {
	p := DefaultParameters(sc)
	if !sc.NoParameterSwarm {
		rng := sim.NewStream(seed, "parameters")
		if rng.IntN(2) == 0 {
			p.Replicas = drawReplicas(seed, sc)
			draw := func(choices ...int) (int, bool) {
				if rng.IntN(2) == 0 {
					return 0, false
				}
				return choices[rng.IntN(len(choices))], true
			}
			if v, ok := draw(10, 15, 20, 30); ok {
				p.ElectionTicks = v
				p.HeartbeatTicks = 1 + rng.IntN(min(3, v/4))
			}
			if v, ok := draw(1, 2, 4, 16, 64, 256); ok {
				p.EntriesPerAppendMax = v
			}
			if v, ok := draw(1, 2, 8, 32); ok {
				p.InflightMax = v
			}
			// A follower takes at most entries-per-append times in-flight
			// entries a round trip: below 8 a cross-region follower (70 ms
			// round trips) falls behind the workload for good, the clients
			// time out and the run ends with replicas that never caught up,
			// which the final checks must call a failure although nothing
			// is unsafe (cross-region seeds 92, 97 and 134 of the gate).
			for p.EntriesPerAppendMax*p.InflightMax < replicationWindowMin {
				p.InflightMax *= 2
			}
			if v, ok := draw(32, 128, 512, 2048); ok {
				p.SnapshotEntries = uint64(v)
			}
			if v, ok := draw(16, 256, 4096); ok {
				p.SegmentEntriesMax = v
			}
			if _, ok := draw(0); ok {
				p.Clients = max(2, p.Clients+rng.IntN(5)-2)
			}
			// Not below 100 ms: shorter attempts leave so many outcomes
			// unknown under faults that the linearizability search runs out
			// of its budget (flaky-network, leader-churn and cross-region
			// seeds of the gate at 80 ms).
			if v, ok := draw(100, 150, 250); ok {
				p.AttemptTimeout = faults.Duration(time.Duration(v) * time.Millisecond)
				p.GiveUpAfter = 4 * p.AttemptTimeout
			}
			if _, ok := draw(0); ok {
				p.Mix = drawMix(rng.IntN, p.Mix)
			}
			drawByteBounds(seed, &p)
		}
	}
	if sc.Maelstrom {
		p.Volatile = drawVolatile(seed)
		return p // its clients speak lin-kv: no rogue codecs, no ledger sessions to crowd
	}
	if sc.RogueOneIn > 0 && sim.NewStream(seed, "rogue-clients").IntN(sc.RogueOneIn) == 0 {
		p.RogueClients++
	}
	w := sc.Workload
	w.Clients = p.Clients
	if pressure := DrawSessionPressure(seed, w); pressure.SessionsMax > 0 {
		// Rogue clients hold sessions too: the table still fits exactly
		// the clients that run from the start.
		p.SessionsMax, p.BatchJobs = pressure.SessionsMax+p.RogueClients, pressure.Batches
	}
	return p
}

// drawReplicas draws the cluster size of a seed that draws parameters, on
// a stream of its own (so that the knob, added later, moved no other
// draw): in half of them the scenario's own size, in the other half one of
// its other swarm sizes. The scenario's size stays by far the most run.
func drawReplicas(seed uint64, sc *Scenario) int {
	sizes := sc.swarmSizes()
	if !slices.Contains(sizes, sc.Replicas) {
		return sc.Replicas // a size of its own, not the swarm's
	}
	others := slices.DeleteFunc(slices.Clone(sizes), func(n int) bool { return n == sc.Replicas })
	rng := sim.NewStream(seed, "parameters/replicas")
	if len(others) == 0 || rng.IntN(2) == 0 {
		return sc.Replicas
	}
	return others[rng.IntN(len(others))]
}

// drawByteBounds draws the message byte bounds of a seed that draws
// parameters, on a stream of its own (so that the knobs, added later,
// moved no other draw): each kept at its default in half of them, else a
// few hundred bytes (every catch-up and snapshot split into many
// messages) up to a few KiB. An Append always carries one entry, so no
// bound stops replication.
func drawByteBounds(seed uint64, p *Parameters) {
	rng := sim.NewStream(seed, "parameters/byte-bounds")
	if rng.IntN(2) == 0 {
		p.AppendBytesMax = []int{256, 1024, 4096}[rng.IntN(3)]
	}
	if rng.IntN(2) == 0 {
		p.SnapshotChunkBytesMax = []int{200, 512, 4096}[rng.IntN(3)]
	}
}

// volatileOneIn is the share of a Maelstrom scenario's seeds (one in this
// many) whose nodes keep their state in memory only.
const volatileOneIn = 2

// drawVolatile draws whether a Maelstrom run's nodes are volatile, on a
// stream of its own (so that the knob, added later, moved no other draw),
// whether or not the seed draws the other knobs: half the seeds run
// ledger-node as Maelstrom runs it by default (no --data-dir), whose
// safety rests on the abstain and bootstrap rules alone, and half on a
// disk that outlives a crash.
func drawVolatile(seed uint64) bool {
	return sim.NewStream(seed, "parameters/volatile").IntN(volatileOneIn) == 0
}

// DefaultMissingByteBounds gives parameters read from a bundle written
// before runs drew the message byte bounds (a zero there) the replicas'
// defaults, the nearest to what such a run did.
func (p *Parameters) DefaultMissingByteBounds() {
	rc := replica.DefaultConfig()
	if p.AppendBytesMax == 0 {
		p.AppendBytesMax = rc.AppendBytesMax
	}
	if p.SnapshotChunkBytesMax == 0 {
		p.SnapshotChunkBytesMax = rc.SnapshotChunkBytesMax
	}
}

// String renders the mix as its weights by name.
func (m Mix) String() string {
	return fmt.Sprintf("simple:%d pending:%d settle:%d linked:%d lookup:%d invalid:%d", m.Simple, m.Pending, m.Settle, m.Linked, m.Lookup, m.Invalid)
}

// rogueClientsMax bounds the rogue clients of a run.
const rogueClientsMax = 4

// replicationWindowMin is the fewest entries a leader may have in flight to
// one follower (entries per append times appends in flight).
const replicationWindowMin = 8

// drawMix scales each weight by 0, 1 or 2, keeping at least one, except
// lookups, scaled by 1 or 2 only: reads are what pins down which of the
// operations with unknown outcomes applied, and a history of writes whose
// outcomes are unknown and no reads leaves the linearizability search
// 2^unknowns states to walk (leader-churn seed 1 ran out of its 20 s).
func drawMix(intN func(int) int, m Mix) Mix {
	out := Mix{Simple: m.Simple * intN(3), Pending: m.Pending * intN(3), Settle: m.Settle * intN(3),
		Linked: m.Linked * intN(3), Lookup: m.Lookup * (1 + intN(2)), Invalid: m.Invalid * intN(3)}
	if out.total() == 0 {
		return m
	}
	return out
}

// Validate checks parameters read from a bundle, with the replica's and the
// workload's own rules.
func (p *Parameters) Validate(sc *Scenario) error {
	if sizes := sc.swarmSizes(); p.Replicas != sc.Replicas && !slices.Contains(sizes, p.Replicas) {
		return fmt.Errorf("parameters: replicas must be %s for scenario %s, got %d", sizesList(sc.Replicas, sizes), sc.Name, p.Replicas)
	}
	rc := replica.DefaultConfig()
	rc.ID, rc.Peers = 0, []replica.NodeID{0}
	rc.NewStateMachine = func() replica.StateMachine { return nil }
	p.tune(&rc)
	if err := rc.Validate(); err != nil {
		return fmt.Errorf("parameters: %w", err)
	}
	if p.SegmentEntriesMax <= 0 {
		return fmt.Errorf("parameters: segment_entries_max must be positive, got %d", p.SegmentEntriesMax)
	}
	if p.AttemptTimeout <= 0 || p.GiveUpAfter <= 0 {
		return fmt.Errorf("parameters: attempt_timeout and give_up_after must be positive")
	}
	if p.Volatile && !sc.Maelstrom {
		return fmt.Errorf("parameters: volatile applies to Maelstrom scenarios only, not %s", sc.Name)
	}
	if p.RogueClients < 0 || p.RogueClients > rogueClientsMax {
		return fmt.Errorf("parameters: rogue_clients must be 0..%d, got %d", rogueClientsMax, p.RogueClients)
	}
	w := p.workload(sc.Workload)
	if err := w.validate(); err != nil {
		return fmt.Errorf("parameters: %w", err)
	}
	for _, b := range p.BatchJobs {
		if b.StartAt <= 0 || b.Ops <= 0 {
			return fmt.Errorf("parameters: batch job %+v must start after 0 and submit operations", b)
		}
	}
	return nil
}

// sizesList renders the sizes a scenario accepts: "one of 3, 5, 7".
func sizesList(own int, sizes []int) string {
	all := slices.Clone(sizes)
	if !slices.Contains(all, own) {
		all = append(all, own)
	}
	slices.Sort(all)
	if len(all) == 1 {
		return fmt.Sprint(all[0])
	}
	var names []string
	for _, n := range all {
		names = append(names, fmt.Sprint(n))
	}
	return "one of " + strings.Join(names, ", ")
}

// tune sets the replica knobs.
func (p *Parameters) tune(rc *replica.Config) {
	rc.ElectionTicks, rc.HeartbeatTicks = p.ElectionTicks, p.HeartbeatTicks
	rc.EntriesPerAppendMax, rc.InflightMax, rc.SnapshotEntries = p.EntriesPerAppendMax, p.InflightMax, p.SnapshotEntries
	rc.AppendBytesMax, rc.SnapshotChunkBytesMax = p.AppendBytesMax, p.SnapshotChunkBytesMax
	rc.WAL.SegmentEntriesMax = p.SegmentEntriesMax
	rc.SessionsMax = p.SessionsMax
}

// heartbeat is the interval at which the replicas' leaders send
// heartbeats, on their own clocks.
func (p *Parameters) heartbeat() time.Duration {
	rc := replica.DefaultConfig()
	p.tune(&rc)
	return time.Duration(rc.HeartbeatTicks) * rc.TickInterval
}

// workload is the scenario's workload with the drawn knobs.
func (p *Parameters) workload(w WorkloadSpec) WorkloadSpec {
	w.Clients, w.Mix = p.Clients, p.Mix
	if w.Client.AttemptTimeout == 0 {
		w.Client = cluster.DefaultClientOptions()
	}
	w.Client.AttemptTimeout, w.Client.GiveUpAfter = time.Duration(p.AttemptTimeout), time.Duration(p.GiveUpAfter)
	return w
}

// Describe lists the knobs that differ from the scenario's defaults, for a
// one-line summary ("defaults" when none does).
func (p *Parameters) Describe(sc *Scenario) string {
	d := DefaultParameters(sc)
	var out []string
	add := func(name string, v, def any) {
		if fmt.Sprint(v) != fmt.Sprint(def) {
			out = append(out, fmt.Sprintf("%s=%v", name, v))
		}
	}
	add("replicas", p.Replicas, d.Replicas)
	add("election_ticks", p.ElectionTicks, d.ElectionTicks)
	add("heartbeat_ticks", p.HeartbeatTicks, d.HeartbeatTicks)
	add("entries_per_append_max", p.EntriesPerAppendMax, d.EntriesPerAppendMax)
	add("inflight_max", p.InflightMax, d.InflightMax)
	add("snapshot_entries", p.SnapshotEntries, d.SnapshotEntries)
	add("append_bytes_max", p.AppendBytesMax, d.AppendBytesMax)
	add("snapshot_chunk_bytes_max", p.SnapshotChunkBytesMax, d.SnapshotChunkBytesMax)
	add("segment_entries_max", p.SegmentEntriesMax, d.SegmentEntriesMax)
	add("sessions_max", p.SessionsMax, d.SessionsMax)
	add("batch_jobs", len(p.BatchJobs), len(d.BatchJobs))
	add("clients", p.Clients, d.Clients)
	add("rogue_clients", p.RogueClients, d.RogueClients)
	add("attempt_timeout", time.Duration(p.AttemptTimeout), time.Duration(d.AttemptTimeout))
	add("give_up_after", time.Duration(p.GiveUpAfter), time.Duration(d.GiveUpAfter))
	add("mix", "{"+p.Mix.String()+"}", "{"+d.Mix.String()+"}")
	add("volatile", p.Volatile, d.Volatile)
	if len(out) == 0 {
		return "defaults"
	}
	return strings.Join(out, " ")
}

// Reductions are the candidate simplifications of p a shrinker tries, one
// knob at a time put back to its default (the session pressure as a
// whole), in a fixed order: the cluster size first. A schedule that names
// a server the scenario's own size lacks (n6, n7) cannot run at that size,
// so the shrinker keeps the drawn size unless its faults have shrunk to
// ones that fit.
func (p Parameters) Reductions(sc *Scenario) []Parameters {
	d := DefaultParameters(sc)
	var out []Parameters
	try := func(differs bool, reset func(*Parameters)) {
		if differs {
			q := p
			reset(&q)
			out = append(out, q)
		}
	}
	try(p.Replicas != d.Replicas, func(q *Parameters) { q.Replicas = d.Replicas })
	try(p.ElectionTicks != d.ElectionTicks || p.HeartbeatTicks != d.HeartbeatTicks, func(q *Parameters) {
		q.ElectionTicks, q.HeartbeatTicks = d.ElectionTicks, d.HeartbeatTicks
	})
	try(p.EntriesPerAppendMax != d.EntriesPerAppendMax, func(q *Parameters) { q.EntriesPerAppendMax = d.EntriesPerAppendMax })
	try(p.InflightMax != d.InflightMax, func(q *Parameters) { q.InflightMax = d.InflightMax })
	try(p.SnapshotEntries != d.SnapshotEntries, func(q *Parameters) { q.SnapshotEntries = d.SnapshotEntries })
	try(p.AppendBytesMax != d.AppendBytesMax, func(q *Parameters) { q.AppendBytesMax = d.AppendBytesMax })
	try(p.SnapshotChunkBytesMax != d.SnapshotChunkBytesMax, func(q *Parameters) { q.SnapshotChunkBytesMax = d.SnapshotChunkBytesMax })
	try(p.SegmentEntriesMax != d.SegmentEntriesMax, func(q *Parameters) { q.SegmentEntriesMax = d.SegmentEntriesMax })
	try(p.SessionsMax != d.SessionsMax || len(p.BatchJobs) > 0, func(q *Parameters) { q.SessionsMax, q.BatchJobs = d.SessionsMax, nil })
	try(p.Clients != d.Clients, func(q *Parameters) {
		q.Clients = d.Clients
		if q.SessionsMax == p.Clients && len(q.BatchJobs) > 0 {
			q.SessionsMax = d.Clients // the table stays as large as the clients
		}
	})
	try(p.AttemptTimeout != d.AttemptTimeout || p.GiveUpAfter != d.GiveUpAfter, func(q *Parameters) {
		q.AttemptTimeout, q.GiveUpAfter = d.AttemptTimeout, d.GiveUpAfter
	})
	try(p.Mix != d.Mix, func(q *Parameters) { q.Mix = d.Mix })
	try(p.RogueClients != d.RogueClients, func(q *Parameters) { q.RogueClients = d.RogueClients })
	try(p.Volatile != d.Volatile, func(q *Parameters) { q.Volatile = d.Volatile })
	return out
}
