package checkers

import "fmt"

// Status is an invariant's verdict.
type Status string

const (
	// Pass: the invariant held.
	Pass Status = "pass"
	// Fail: the invariant was violated; Evidence says where.
	Fail Status = "fail"
	// Unknown: the check could not decide (a linearizability search that
	// ran out of time, a run too short to show recovery). The gate treats
	// it as a failure to pass, never as a pass.
	Unknown Status = "unknown"
)

// Verdict is one invariant's outcome with its evidence.
type Verdict struct {
	Invariant string   `json:"invariant"`
	Status    Status   `json:"status"`
	Evidence  []string `json:"evidence,omitempty"`
}

// evidenceMax caps the evidence kept per verdict: the first violations
// explain a failure; thousands more only bury it.
const evidenceMax = 20

func verdict(invariant string, evidence []string) Verdict {
	if len(evidence) == 0 {
		return Verdict{Invariant: invariant, Status: Pass}
	}
	if len(evidence) > evidenceMax {
		more := len(evidence) - evidenceMax
		evidence = append(evidence[:evidenceMax:evidenceMax], fmt.Sprintf("... and %d more", more))
	}
	return Verdict{Invariant: invariant, Status: Fail, Evidence: evidence}
}

// Passed reports whether every verdict passed.
func Passed(vs []Verdict) bool {
	for _, v := range vs {
		if v.Status != Pass {
			return false
		}
	}
	return true
}
