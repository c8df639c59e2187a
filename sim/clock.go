package sim

import (
	"math/bits"
	"time"
)

// WallEpoch is the Unix time, in nanoseconds, that every node's wall clock
// reads at the start of a simulation before any offset: 2026-01-01T00:00:00Z.
// A fixed epoch keeps timestamps realistic and identical across runs.
const WallEpoch int64 = 1767225600 * int64(time.Second)

// DriftPPMMax bounds a clock's rate drift, in parts per million, in either
// direction. Half a second per second is far beyond any real oscillator and
// keeps every conversion inside 64-bit arithmetic.
const DriftPPMMax = 500_000

// nodeClock is one node's view of time. Its monotonic clock advances at
// (1e6+driftPPM)/1e6 nanoseconds per true nanosecond, piecewise: each rate
// change starts a new segment at (baseTrue, baseMono). Its wall clock is the
// epoch plus the monotonic reading plus an offset that jumps can move, so a
// fast node's wall clock runs fast too.
//
// All arithmetic is integer: a float here would make timer firing times
// depend on the CPU's fused multiply-add.
type nodeClock struct {
	baseTrue   Time
	baseMono   time.Duration
	driftPPM   int64
	wallOffset time.Duration
}

// monotonic returns the node's monotonic reading at true time now.
func (c *nodeClock) monotonic(now Time) time.Duration {
	elapsed := uint64(now - c.baseTrue)
	if now < c.baseTrue {
		panicf("clock read at %d before its segment start %d", now, c.baseTrue)
	}
	hi, lo := bits.Mul64(elapsed, uint64(ppmScale+c.driftPPM))
	scaled, _ := bits.Div64(hi, lo, ppmScale)
	return c.baseMono + time.Duration(scaled)
}

// wall returns the node's wall clock, in Unix nanoseconds, at true time now.
func (c *nodeClock) wall(now Time) int64 {
	return WallEpoch + int64(c.monotonic(now)) + int64(c.wallOffset)
}

// trueTimeAt returns the earliest true time, not before now, at which the
// monotonic clock reads at least mono under the current rate.
func (c *nodeClock) trueTimeAt(now Time, mono time.Duration) Time {
	current := c.monotonic(now)
	if mono <= current {
		return now
	}
	// Smallest e with floor(e*rate/1e6) >= need is ceil(need*1e6/rate),
	// counted from the segment start so rounding matches monotonic().
	need := uint64(mono - c.baseMono)
	rate := uint64(ppmScale + c.driftPPM)
	hi, lo := bits.Mul64(need, ppmScale)
	q, rem := bits.Div64(hi, lo, rate)
	if rem != 0 {
		q++
	}
	t := c.baseTrue + Time(q)
	if t < now {
		panicf("timer conversion went back in time: %d < %d", t, now)
	}
	return t
}

// setDrift changes the rate from true time now on, keeping the reading
// continuous: a rate change never makes the monotonic clock jump.
func (c *nodeClock) setDrift(now Time, ppm int64) {
	c.baseMono = c.monotonic(now)
	c.baseTrue = now
	c.driftPPM = ppm
}
