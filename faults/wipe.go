package faults

import (
	"math/rand/v2"
	"slices"
	"time"
)

// MajorityWipe stages the loss of a majority's state at once, for a
// cluster whose nodes keep nothing across a crash (volatile nodes): at at,
// the bootstrap node (servers[0], the lowest ID) and enough others drawn
// from rng to make a majority crash together and the survivors are cut
// off from them; 100 ms later the crashed nodes restart blank; 1 to 1.5 s
// after the crash the cut heals. The survivors hold the only copy of what
// was committed, and the blank nodes are a majority that knows nothing:
// a correct cluster stalls for good, since the blank nodes abstain until a
// leader catches them up and the bootstrap election needs every replica's
// grant. The cut keeps a survivor's answer from ending the restarted
// bootstrap node's term-1 campaign before the blank nodes' grants arrive,
// so that the campaign meets the rule it tests.
func MajorityWipe(rng *rand.Rand, servers []string, at Duration) []Fault {
	if len(servers) < 2 {
		return nil
	}
	rest := shuffled(rng, servers[1:])
	quorum := len(servers)/2 + 1
	wiped := append([]string{servers[0]}, rest[:quorum-1]...)
	slices.Sort(wiped)
	var survivors []string
	for _, s := range servers {
		if !slices.Contains(wiped, s) {
			survivors = append(survivors, s)
		}
	}
	restart := at + Duration(100*time.Millisecond)
	heal := at + Duration(time.Second) + Duration(rng.Int64N(int64(500*time.Millisecond)))
	var out []Fault
	for _, n := range wiped {
		out = append(out, Fault{At: at, Kind: Crash, Node: n})
	}
	out = append(out, Fault{At: at, Kind: Partition, Groups: [][]string{survivors, wiped}})
	for _, n := range wiped {
		out = append(out, Fault{At: restart, Kind: Restart, Node: n})
	}
	return append(out, Fault{At: heal, Kind: Heal})
}

// WipedAt reports the first moment at which the schedule crashes a
// majority of servers at once, by name (the shape MajorityWipe stages),
// and the servers it crashes then, sorted: in a cluster of volatile
// nodes, the moment from which it must stall, and the nodes that lose
// their state. Faults aimed at a role are not counted, nor crashes at
// other moments.
func (s Schedule) WipedAt(servers []string) (at Duration, wiped []string, ok bool) {
	crashed := map[Duration][]string{}
	var times []Duration
	for _, f := range s.Faults {
		if f.Kind != Crash || !slices.Contains(servers, f.Node) || slices.Contains(crashed[f.At], f.Node) {
			continue
		}
		if len(crashed[f.At]) == 0 {
			times = append(times, f.At)
		}
		crashed[f.At] = append(crashed[f.At], f.Node)
	}
	slices.Sort(times)
	for _, t := range times {
		if len(crashed[t]) >= len(servers)/2+1 {
			wiped = slices.Clone(crashed[t])
			slices.Sort(wiped)
			return t, wiped, true
		}
	}
	return 0, nil, false
}
