package sim

import (
	"fmt"
	"time"
)

// Time is true simulated time: nanoseconds since the simulation began. Only
// the simulator and the harness see it; nodes see their own clocks instead.
type Time int64

// Add returns t shifted by d.
func (t Time) Add(d time.Duration) Time { return t + Time(d) }

// Sub returns the duration t-u.
func (t Time) Sub(u Time) time.Duration { return time.Duration(t - u) }

// Seconds returns t in seconds, for display and metrics only.
func (t Time) Seconds() float64 { return float64(t) / 1e9 }

// String formats t as seconds with millisecond precision, e.g. "1.250s".
func (t Time) String() string {
	sign := ""
	if t < 0 {
		sign, t = "-", -t
	}
	return fmt.Sprintf("%s%d.%03ds", sign, int64(t)/1e9, (int64(t)%1e9)/1e6)
}

// TimeFromDuration converts a duration since the start of the simulation to
// a Time.
func TimeFromDuration(d time.Duration) Time { return Time(d) }
