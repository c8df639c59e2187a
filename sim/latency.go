package sim

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Latency is a one-way delay distribution given by its percentiles, the way
// operators describe a link ("p50 1ms, p99 20ms"). A sample is drawn by
// picking a uniform quantile and interpolating linearly between the points
// (0, Min), (0.5, P50), (0.9, P90), (0.99, P99) and (1, Max). Integer
// interpolation keeps samples identical on every CPU.
type Latency struct {
	Min time.Duration `json:"min"`
	P50 time.Duration `json:"p50"`
	P90 time.Duration `json:"p90"`
	P99 time.Duration `json:"p99"`
	Max time.Duration `json:"max"`
}

// FixedLatency returns a distribution that always yields d.
func FixedLatency(d time.Duration) Latency {
	return Latency{Min: d, P50: d, P90: d, P99: d, Max: d}
}

// UniformLatency returns a distribution uniform between lo and hi.
func UniformLatency(lo, hi time.Duration) Latency {
	at := func(q int64) time.Duration { return lo + (hi-lo)*time.Duration(q)/100 }
	return Latency{Min: lo, P50: at(50), P90: at(90), P99: at(99), Max: hi}
}

// Validate checks that the percentiles are non-negative and non-decreasing.
func (l Latency) Validate() error {
	points := [...]struct {
		name string
		d    time.Duration
	}{{"min", l.Min}, {"p50", l.P50}, {"p90", l.P90}, {"p99", l.P99}, {"max", l.Max}}
	for i, p := range points {
		if p.d < 0 {
			return fmt.Errorf("latency %s is negative (%v)", p.name, p.d)
		}
		if i > 0 && p.d < points[i-1].d {
			return fmt.Errorf("latency %s (%v) is below %s (%v)", p.name, p.d, points[i-1].name, points[i-1].d)
		}
	}
	return nil
}

// quantileKnots are the quantiles, in parts per million, of Latency's points.
var quantileKnots = [5]int64{0, 500_000, 900_000, 990_000, ppmScale}

// sample draws one delay from the distribution.
func (l Latency) sample(r *rand.Rand) time.Duration {
	if l.Min == l.Max {
		return l.Min
	}
	values := [5]time.Duration{l.Min, l.P50, l.P90, l.P99, l.Max}
	q := r.Int64N(ppmScale)
	i := 1
	for q >= quantileKnots[i] {
		i++
	}
	lo, hi := quantileKnots[i-1], quantileKnots[i]
	span := values[i] - values[i-1]
	return values[i-1] + span*time.Duration(q-lo)/time.Duration(hi-lo)
}
