//go:build !race

package scenarios

// raceDetector is whether this test binary was built with -race.
const raceDetector = false
