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
	Invariant string `json:"invariant"`
	Status    Status `json:"status"`
	// Evidence is a summary, at most evidenceMax+1 lines: the first
	// violations in full, then how many more there were.
	Evidence []string `json:"evidence,omitempty"`
	// Violations counts every violation found, those the evidence only
	// counts included (0 when the checker does not count them one by one).
	Violations int `json:"violations,omitempty"`
}

// evidenceMax caps the violations a verdict's evidence shows in full: the
// first ones explain a failure; thousands more, printed by run and stored
// in every record, bundle and JUnit file, only bury it.
const evidenceMax = 3

func verdict(invariant string, evidence []string) Verdict {
	if len(evidence) == 0 {
		return Verdict{Invariant: invariant, Status: Pass}
	}
	return Verdict{Invariant: invariant, Status: Fail, Evidence: Summarize(evidence, "more"), Violations: len(evidence)}
}

// Summarize keeps the first evidenceMax lines of evidence and counts the
// rest in one more line: "... and 2,341 more differing entries", with
// what naming the kind of line.
func Summarize(evidence []string, what string) []string {
	if len(evidence) <= evidenceMax {
		return evidence
	}
	return append(evidence[:evidenceMax:evidenceMax], andMore(len(evidence)-evidenceMax, what))
}

// andMore is the last line of a summary: "... and 2,341 more".
func andMore(n int, what string) string {
	return fmt.Sprintf("... and %s %s", thousands(n), what)
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
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
