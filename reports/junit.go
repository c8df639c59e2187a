package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// The JUnit layout follows the Jenkins xUnit plugin's JUnit schema
// (junit-10.xsd), which most CI test reporters accept: a testsuite must
// have name, tests, failures and errors; time is decimal seconds.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
}

// junitProblem is a failure (the ledger broke an invariant or a
// tolerance: a finding) or an error (the harness could not perform a
// run: a worker crashed or hung, a scenario would not start).
type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

// junitTimestampLayout is the JUnit timestamp: ISO 8601 without a zone,
// as Ant and Surefire write it; ours is always UTC.
const junitTimestampLayout = "2006-01-02T15:04:05"

// WriteJUnit renders the report as JUnit XML: one test suite per scenario
// and in it one test case per invariant, so that a CI test reporter lists
// every invariant checked (replica-state, intent-exactly-once and the rest)
// and marks the one that broke as a failure, with its failing seeds, their
// evidence and repro commands; a failed case for breached impact
// tolerances, and an error case for runs the harness could not perform,
// follow when there is something to say.
//
// Each suite's timestamp is when the sweep started (Evidence.SweptAt), or
// failing that when the report was made: rendering the same results again
// gives the same file.
func WriteJUnit(w io.Writer, r *Report) error {
	out := junitSuites{Name: "faultline"}
	stamp := junitTimestamp(r.Evidence)
	var wallSeconds float64
	for _, s := range r.Scenarios {
		suite := scenarioSuite(s)
		suite.Timestamp = stamp
		out.Tests += suite.Tests
		out.Failures += suite.Failures
		out.Errors += suite.Errors
		wallSeconds += s.WallSeconds
		out.Suites = append(out.Suites, suite)
	}
	out.Time = junitSeconds(wallSeconds)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// scenarioSuite is one scenario's test suite, its counts filled.
func scenarioSuite(s ScenarioReport) junitSuite {
	suite := junitSuite{Name: s.Name, Time: junitSeconds(s.WallSeconds)}
	add := func(c junitCase) {
		suite.Cases = append(suite.Cases, c)
		suite.Tests++
		if c.Failure != nil {
			suite.Failures++
		}
		if c.Error != nil {
			suite.Errors++
		}
	}
	for _, name := range sortedNames(s.Invariants) {
		add(invariantCase(s, name))
	}
	if c, ok := toleranceCase(s); ok {
		add(c)
	}
	if c, ok := errorCase(s); ok {
		add(c)
	}
	if len(suite.Cases) == 0 { // no run recorded a verdict: say so rather than pass
		add(junitCase{Name: s.Name + ": runs", Classname: "faultline." + s.Name, Time: junitSeconds(0),
			Error: &junitProblem{Type: "harness", Message: "no run recorded any invariant"}})
	}
	// The runs' time is the scenario's; each case's share of it is not
	// known, so the first case carries it.
	suite.Cases[0].Time = suite.Time
	return suite
}

// invariantCase is one invariant of one scenario: failed when any run
// broke it or could not decide it, with the seeds that did. The message
// names the first such seed, its evidence and its repro command, since
// many reporters show the message alone.
func invariantCase(s ScenarioReport, name string) junitCase {
	c := junitCase{Name: fmt.Sprintf("%s: %s (seeds %s)", s.Name, name, s.Seeds), Classname: "faultline." + s.Name, Time: junitSeconds(0)}
	statuses := s.Invariants[name]
	decided, bad := 0, 0
	for status, n := range statuses {
		decided += n
		if status != "pass" {
			bad += n
		}
	}
	if bad == 0 {
		return c
	}
	var body, first strings.Builder
	for _, f := range s.FailingSeeds {
		if !slices.Contains(f.Invariants, name) {
			continue
		}
		fmt.Fprintf(&body, "seed %d: %s\n", f.Seed, strings.Join(f.Invariants, ", "))
		for _, line := range f.Evidence[name] {
			fmt.Fprintf(&body, "  evidence: %s\n", line)
		}
		fmt.Fprintf(&body, "  repro: %s\n", f.Repro)
		if first.Len() == 0 {
			fmt.Fprintf(&first, "; first: seed %d", f.Seed)
			if ev := f.Evidence[name]; len(ev) > 0 {
				fmt.Fprintf(&first, ": %s", ev[0])
			}
			fmt.Fprintf(&first, "; repro: %s", f.Repro)
		}
	}
	c.Failure = &junitProblem{Type: "invariant", Body: body.String(),
		Message: fmt.Sprintf("%s did not hold in %d of %d runs (%d failed, %d undecided)%s",
			name, bad, decided, statuses["fail"], bad-statuses["fail"], first.String())}
	return c
}

// toleranceCase fails when the scenario breached an impact tolerance.
func toleranceCase(s ScenarioReport) (junitCase, bool) {
	if len(s.Breaches) == 0 {
		return junitCase{}, false
	}
	var body strings.Builder
	for _, b := range s.Breaches {
		fmt.Fprintf(&body, "tolerance breach: %s\n", b)
	}
	return junitCase{Name: s.Name + ": impact tolerances", Classname: "faultline." + s.Name, Time: junitSeconds(0),
		Failure: &junitProblem{Type: "tolerance", Body: body.String(),
			Message: fmt.Sprintf("%d tolerance breaches over %d runs: %s", len(s.Breaches), s.Runs, strings.Join(s.Breaches, "; "))}}, true
}

// errorCase lists the runs the harness could not perform: an error, not
// a failure, because it says nothing about the ledger.
func errorCase(s ScenarioReport) (junitCase, bool) {
	var body strings.Builder
	n := 0
	first := ""
	for _, f := range s.FailingSeeds {
		if f.Error == "" {
			continue
		}
		n++
		fmt.Fprintf(&body, "seed %d: %s\n  repro: %s\n", f.Seed, f.Error, f.Repro)
		if first == "" {
			first = fmt.Sprintf("; first: seed %d: %s", f.Seed, f.Error)
		}
	}
	if n == 0 {
		return junitCase{}, false
	}
	return junitCase{Name: s.Name + ": runs performed", Classname: "faultline." + s.Name, Time: junitSeconds(0),
		Error: &junitProblem{Type: "harness", Message: fmt.Sprintf("%d runs could not be performed%s", n, first), Body: body.String()}}, true
}

// junitSeconds formats a duration as the schema wants it: decimal
// seconds, no exponent, no sign.
func junitSeconds(s float64) string { return fmt.Sprintf("%.3f", max(s, 0)) }

// junitTimestamp is when the sweep started, else when the report was
// made, in the JUnit layout; the epoch when the evidence has neither.
func junitTimestamp(ev Evidence) string {
	for _, s := range []string{ev.SweptAt, ev.GeneratedAt} {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.UTC().Format(junitTimestampLayout)
		}
	}
	return time.Unix(0, 0).UTC().Format(junitTimestampLayout)
}

func slicesSort(s []string) { slices.Sort(s) }
