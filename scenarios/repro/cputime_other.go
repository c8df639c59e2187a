//go:build !unix

package repro

import "time"

// processCPU is not measured here: runs record zero CPU seconds.
func processCPU() time.Duration { return 0 }
