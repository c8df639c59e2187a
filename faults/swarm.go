package faults

import (
	"math/rand/v2"
	"time"
)

// Swarm draws a plan the way swarm testing does (Groce et al., 2012): each
// seed enables a random subset of the disruptions, with random weights and
// a random intensity, so that combinations no hand-written plan would try
// get hit across a sweep.
func Swarm(rng *rand.Rand, servers []string, start, end time.Duration) Plan {
	p := Plan{Servers: servers, Start: Duration(start), End: Duration(end),
		Every:   Duration(time.Duration(150+rng.IntN(1850)) * time.Millisecond),
		HoldMin: Duration(100 * time.Millisecond), HoldMax: Duration(time.Duration(300+rng.IntN(2700)) * time.Millisecond)}
	for _, d := range AllDisruptions {
		if rng.IntN(2) == 0 {
			p.Weights = append(p.Weights, Weight{Kind: d, Weight: 1 + rng.IntN(5)})
		}
	}
	if len(p.Weights) == 0 {
		p.Weights = []Weight{{Kind: AllDisruptions[rng.IntN(len(AllDisruptions))], Weight: 1}}
	}
	return p
}
