package faults

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/faultline/faultline/sim"
)

// Duration is a time.Duration that reads and writes JSON as a Go duration
// string ("1.5s", "200ms"), the way people write schedules by hand.
type Duration time.Duration

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON implements json.Unmarshaler.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string like \"1.5s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Kind names a fault.
type Kind string

// The fault kinds.
const (
	Crash            Kind = "crash"             // node: lose memory and unsynced writes
	Restart          Kind = "restart"           // node, delay: boot from disk
	Pause            Kind = "pause"             // node: freeze (gray failure)
	Resume           Kind = "resume"            // node
	Slow             Kind = "slow"              // node, delay: extra delay on its messages (0 heals)
	Partition        Kind = "partition"         // groups: cut links between groups
	Isolate          Kind = "isolate"           // node, optional count: cut its links to the other servers (with count-1 companions)
	Cut              Kind = "cut"               // from, to: one-way partition
	Heal             Kind = "heal"              // reconnect all links
	Loss             Kind = "loss"              // rate, optional from/to
	Duplicate        Kind = "duplicate"         // rate, optional from/to
	Reorder          Kind = "reorder"           // rate, optional from/to
	Delay            Kind = "delay"             // latency, optional from/to
	NetworkNormal    Kind = "network-normal"    // links back to the scenario's base config
	ClockOffset      Kind = "clock-offset"      // node, offset
	ClockJump        Kind = "clock-jump"        // node, offset (the jump)
	ClockDrift       Kind = "clock-drift"       // node, ppm
	TornWrite        Kind = "torn-write"        // node: the next crash tears unsynced writes
	BitFlip          Kind = "bit-flip"          // node: flip a random bit at rest
	MisdirectedWrite Kind = "misdirected-write" // node, count
	FsyncFailure     Kind = "fsync-failure"     // node, count
	SlowDisk         Kind = "slow-disk"         // node, count: fsyncs take count times as long (1 heals)
	DiskLoss         Kind = "disk-loss"         // node: crash it if up and replace its disk with a blank one
	CrashPoint       Kind = "crash-point"       // node, point, delay: crash at that protocol moment within delay
	PausePoint       Kind = "pause-point"       // node, point, delay: freeze at that protocol moment within delay (resume ends it)
	Corrupt          Kind = "corrupt"           // rate, optional from/to: flip a bit of, or cut short, that share of messages
	IOError          Kind = "io-error"          // node, rate: that share of its disk's reads, writes and fsyncs fail (0 heals)
	// TransferLeader is an operator's planned handover, the drain before
	// maintenance: from (a node, or "@leader"), if it leads, is asked to
	// hand leadership to another server, to. Raft's TimeoutNow makes the
	// transferee campaign at once, past pre-vote and past the other
	// replicas' leader leases; the fault takes effect when it does.
	TransferLeader Kind = "transfer-leader"  // from, to
	TailDamage     Kind = "tail-damage"      // node (down), count, optional path: the newest write under path (at most count sectors of it) reads back garbled
	LoseNewestFile Kind = "lose-newest-file" // node (down), optional path: the file created last under path loses its directory entry
)

// Kinds lists every kind, in a fixed order.
var Kinds = []Kind{Crash, Restart, Pause, Resume, Slow, Partition, Isolate, Cut, Heal, Loss, Duplicate,
	Reorder, Delay, NetworkNormal, ClockOffset, ClockJump, ClockDrift, TornWrite, BitFlip, MisdirectedWrite, FsyncFailure, SlowDisk, DiskLoss, CrashPoint,
	PausePoint, Corrupt, IOError, TransferLeader, TailDamage, LoseNewestFile}

// Fault is one timed fault. Which fields matter depends on Kind.
type Fault struct {
	At     Duration   `json:"at"`
	Kind   Kind       `json:"kind"`
	Node   string     `json:"node,omitempty"`
	Groups [][]string `json:"groups,omitempty"`
	From   string     `json:"from,omitempty"`
	To     string     `json:"to,omitempty"`
	Delay  Duration   `json:"delay,omitempty"`
	Offset Duration   `json:"offset,omitempty"`
	PPM    int64      `json:"ppm,omitempty"`
	Rate   float64    `json:"rate,omitempty"`
	// Count is, for an isolate, the size of the cut-off side: the node
	// and the Count-1 servers after it in server order (0 or 1: the node
	// alone); for disk faults, how many writes or syncs it damages.
	Count   int          `json:"count,omitempty"`
	Latency *sim.Latency `json:"latency,omitempty"`
	// Point is a crash point's protocol moment (see CrashPoints).
	Point string `json:"point,omitempty"`
	// Path confines tail-damage and lose-newest-file to the files whose
	// names start with it: a directory, such as the log's. Empty: any file.
	Path string `json:"path,omitempty"`
}

// The crash points: a node crashes right after it sends a granted vote, a
// successful append acknowledgement or a client reply, or while one of its
// fsyncs is in flight; right after its first answer to a peer (a vote,
// granted or not, or a successful append acknowledgement) in a term newer
// than the one it held when the point was armed: the moment it has just
// adopted a new leader's or candidate's term, when that term must already
// be on its disk; or right after a successful append acknowledgement that
// brings its log level with the leader's (a transferee's last step before
// the leader hands over to it). A pause point freezes the node at the same
// moments (all but during-fsync).
const (
	AfterVote         = "after-vote"
	AfterAppendAck    = "after-append-ack"
	AfterClientReply  = "after-client-reply"
	DuringFsync       = "during-fsync"
	AfterTermAdoption = "after-term-adoption"
	AfterCatchUp      = "after-catch-up"
)

// CrashPoints lists the crash points, in a fixed order.
var CrashPoints = []string{AfterVote, AfterAppendAck, AfterClientReply, DuringFsync, AfterTermAdoption, AfterCatchUp}

// Describe renders the fault in a few words, for traces, annotations and
// reports.
func (f Fault) Describe() string {
	switch f.Kind {
	case Partition:
		parts := make([]string, len(f.Groups))
		for i, g := range f.Groups {
			parts[i] = strings.Join(g, " ")
		}
		return "partition " + strings.Join(parts, " | ")
	case Cut:
		return fmt.Sprintf("cut %s -> %s", f.From, f.To)
	case Heal, NetworkNormal:
		return string(f.Kind)
	case Restart, Slow:
		return fmt.Sprintf("%s %s after %v", f.Kind, f.Node, time.Duration(f.Delay))
	case Loss, Duplicate, Reorder, Corrupt:
		return fmt.Sprintf("%s %.0f%%%s", f.Kind, f.Rate*100, f.linkSuffix())
	case IOError:
		return fmt.Sprintf("io-error %s %.0f%%", f.Node, f.Rate*100)
	case TransferLeader:
		return fmt.Sprintf("transfer-leader %s -> %s", f.From, f.To)
	case Delay:
		return "delay" + f.linkSuffix()
	case ClockOffset, ClockJump:
		return fmt.Sprintf("%s %s %v", f.Kind, f.Node, time.Duration(f.Offset))
	case ClockDrift:
		return fmt.Sprintf("clock-drift %s %+dppm", f.Node, f.PPM)
	case SlowDisk:
		return fmt.Sprintf("slow-disk %s x%d", f.Node, f.Count)
	case CrashPoint, PausePoint:
		return fmt.Sprintf("%s %s %s", f.Kind, f.Node, f.Point)
	case TailDamage:
		return fmt.Sprintf("tail-damage %s %d sectors of %s*", f.Node, f.Count, f.Path)
	case LoseNewestFile:
		return fmt.Sprintf("lose-newest-file %s %s*", f.Node, f.Path)
	case Isolate:
		if f.Count > 1 {
			return fmt.Sprintf("isolate %s with %d more", f.Node, f.Count-1)
		}
	}
	return fmt.Sprintf("%s %s", f.Kind, f.Node)
}

func (f Fault) linkSuffix() string {
	if f.From == "" {
		return ""
	}
	return fmt.Sprintf(" %s->%s", f.From, f.To)
}

// Disrupts reports whether the fault takes something away (a node, a link,
// a clock's accuracy) rather than giving it back.
func (f Fault) Disrupts() bool {
	switch f.Kind {
	case Restart, Resume, Heal, NetworkNormal:
		return false
	case TransferLeader:
		// An operator's handover: the cluster must commit again within
		// its recovery bound after it, as after a heal.
		return false
	case IOError:
		return f.Rate > 0
	case Slow:
		return f.Delay > 0
	case ClockOffset:
		return f.Offset != 0
	case ClockDrift:
		return f.PPM != 0
	case SlowDisk:
		return f.Count > 1
	}
	return true
}
