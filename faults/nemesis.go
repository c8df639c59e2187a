package faults

import (
	"fmt"
	"time"
)

// Plan shapes a random schedule.
type Plan struct {
	// Servers are the nodes faults may target (never the clients).
	Servers []string `json:"servers"`
	// Start and End bound when disruptions happen; every disruption is
	// healed by End, after which the cluster must recover.
	Start Duration `json:"start"`
	End   Duration `json:"end"`
	// Every is the mean gap between disruptions: the intensity.
	Every Duration `json:"every"`
	// HoldMin and HoldMax bound how long a disruption lasts.
	HoldMin Duration `json:"hold_min"`
	HoldMax Duration `json:"hold_max"`
	// Weights choose among disruption kinds; a kind absent or weighted
	// zero never happens.
	Weights []Weight `json:"weights"`
	// MaxDown is the fault budget: at most this many servers crashed,
	// paused, isolated, on a partition's minority side or with damaged
	// storage at once. Zero means a minority: (len(Servers)-1)/2.
	MaxDown int `json:"max_down"`
	// Regions, if set, group servers for region splits.
	Regions [][]string `json:"regions,omitempty"`
	// LogPrefix names the servers' log files (their log directory): where
	// tail-damage and lose-newest-file aim. Empty: any file.
	LogPrefix string `json:"log_prefix,omitempty"`
}

// Weight is one disruption kind's share.
type Weight struct {
	Kind   Disruption `json:"kind"`
	Weight int        `json:"weight"`
}

// Disruption is what a generator can do; each is a fault paired with its
// recovery.
type Disruption string

// Disruptions a plan can weigh.
const (
	DCrash        Disruption = "crash"              // crash, then restart
	DCrashLeader  Disruption = "crash-torn"         // crash with torn unsynced writes, then restart
	DPause        Disruption = "pause"              // pause, then resume
	DSlow         Disruption = "slow"               // slow node, then normal
	DIsolate      Disruption = "isolate"            // isolate one, then heal
	DMinority     Disruption = "minority"           // minority/majority partition, then heal
	DBridge       Disruption = "bridge"             // bridge partition, then heal
	DAsymmetric   Disruption = "asymmetric"         // one-way cuts, then heal
	DRegion       Disruption = "region"             // cut a region off, then heal
	DLossy        Disruption = "lossy"              // loss, duplication, reordering, then normal
	DDelay        Disruption = "delay"              // WAN-like latency, then normal
	DClockSkew    Disruption = "clock-skew"         // wall-clock offset or jump, then corrected
	DClockDrift   Disruption = "clock-drift"        // monotonic drift, then accurate
	DBitFlip      Disruption = "bit-flip"           // flip bits at rest, crash, restart
	DMisdirect    Disruption = "misdirect"          // misdirected writes, crash, restart
	DFsyncFailure Disruption = "fsync-failure"      // fsync fails (the replica stops and is restarted)
	DSlowDisk     Disruption = "slow-disk"          // a disk's fsyncs take 5 to 50 times as long, then normal
	DDiskLoss     Disruption = "disk-loss"          // crash, replace the disk with a blank one, restart
	DCrashPoint   Disruption = "crash-point"        // crash right after a vote, an append ack or a client reply, or mid-fsync; restart
	DLeaderChurn  Disruption = "leader-churn"       // cut whoever leads now, alone or with followers, off from the rest; then heal
	DLeaderPoint  Disruption = "leader-crash-point" // slow the leader's disk and crash it mid-fsync or right after a client reply; restart it
	DLeaderPause  Disruption = "leader-pause"       // freeze whoever leads (a long GC pause, a stopped VM), then resume it
	DCorrupt      Disruption = "corrupt"            // flip a bit of, or cut short, a share of messages; then normal
	DIOError      Disruption = "io-error"           // a disk fails a share of its reads, writes and fsyncs; then healthy
	// DVoterCrash freezes whoever leads and cuts a follower off while the
	// others elect a new leader; healed, the follower adopts the new term
	// from the new leader and crashes right after its first answer in it,
	// is restarted at once, and then the old leader thaws, still leading
	// in its own mind, into a cluster with a just-restarted voter.
	DVoterCrash Disruption = "voter-crash-point"
	// DLeaderTransfer is an operator's drain: whoever leads is asked to
	// hand over. In a calm cluster the transferee is a follower that
	// freezes right after it has caught up, before the leader's
	// TimeoutNow reaches it, and thaws after the leader's transfer
	// timeout: a transferee that campaigns, past pre-vote and leases, with
	// a log others have passed. Otherwise it is a plain handover to the
	// leader's first live follower.
	DLeaderTransfer Disruption = "leader-transfer"
	DLaggingQuorum  Disruption = "lagging-quorum"   // cut a minority of followers off for seconds, then heal as the leader crashes; restart it
	DTailDamage     Disruption = "tail-damage"      // crash, garble the newest log write (up to 8 sectors of it), restart
	DLoseNewest     Disruption = "lose-newest-file" // crash, lose the newest log file's directory entry, restart
	// DBlankVoter makes a voter's lost memory decisive: a minority of
	// followers is cut off while the rest commit without them; as the cut
	// heals, an up-to-date follower crashes and restarts at once while
	// the leader is cut off alone. The laggards can then win an election
	// only with the votes of the blank voter, which, were it to grant
	// them, would elect a leader missing committed entries: the attack on
	// a volatile node's rule that it abstains until caught up. It is for
	// Maelstrom's volatile nodes and kept out of AllDisruptions (and so
	// out of swarm): at three servers its leader cut and its voter's
	// restart overlap, one past the budget for a few milliseconds.
	DBlankVoter Disruption = "blank-voter"
)

// AllDisruptions lists every disruption in a fixed order.
var AllDisruptions = []Disruption{DCrash, DCrashLeader, DPause, DSlow, DIsolate, DMinority, DBridge, DAsymmetric,
	DRegion, DLossy, DDelay, DClockSkew, DClockDrift, DBitFlip, DMisdirect, DFsyncFailure, DSlowDisk, DDiskLoss, DCrashPoint,
	DLeaderChurn, DLeaderPoint, DLeaderPause, DCorrupt, DIOError, DVoterCrash, DLeaderTransfer, DLaggingQuorum, DTailDamage, DLoseNewest}

// Validate checks a plan.
func (p Plan) Validate() error {
	switch {
	case len(p.Servers) == 0:
		return fmt.Errorf("plan: no servers")
	case p.End < p.Start:
		return fmt.Errorf("plan: end %v before start %v", time.Duration(p.End), time.Duration(p.Start))
	case p.Every <= 0 && len(p.Weights) > 0:
		return fmt.Errorf("plan: every must be positive")
	case p.HoldMin < 0 || p.HoldMax < p.HoldMin:
		return fmt.Errorf("plan: hold range [%v, %v] is malformed", time.Duration(p.HoldMin), time.Duration(p.HoldMax))
	}
	for _, w := range p.Weights {
		if w.Weight < 0 {
			return fmt.Errorf("plan: weight of %s is negative", w.Kind)
		}
	}
	return nil
}

func (p Plan) maxDown() int {
	if p.MaxDown > 0 {
		return p.MaxDown
	}
	return (len(p.Servers) - 1) / 2
}
