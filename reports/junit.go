package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

// WriteJUnit renders the report as JUnit XML: one test suite per scenario
// and in it one test case per invariant, so that a CI test reporter lists
// every invariant checked (replica-state, intent-exactly-once and the rest)
// and marks the one that broke, with its failing seeds and their repro
// commands; a case for the impact tolerances and one for runs that could
// not be performed follow when there is something to say.
func WriteJUnit(w io.Writer, r *Report) error {
	out := junitSuites{Name: "faultline"}
	for _, s := range r.Scenarios {
		suite := junitSuite{Name: s.Name}
		add := func(c junitCase) {
			suite.Cases = append(suite.Cases, c)
			suite.Tests++
			if c.Failure != nil {
				suite.Failures++
			}
		}
		names := make([]string, 0, len(s.Invariants))
		for name := range s.Invariants {
			names = append(names, name)
		}
		slicesSort(names)
		for _, name := range names {
			add(invariantCase(s, name))
		}
		if len(s.Breaches) > 0 {
			c := junitCase{Name: s.Name + ": impact tolerances", Classname: "faultline." + s.Name, Time: "0.000"}
			var body strings.Builder
			for _, b := range s.Breaches {
				fmt.Fprintf(&body, "tolerance breach: %s\n", b)
			}
			c.Failure = &junitFailure{Type: "tolerance", Body: body.String(),
				Message: fmt.Sprintf("%d tolerance breaches over %d runs", len(s.Breaches), s.Runs)}
			add(c)
		}
		if c, ok := errorCase(s); ok {
			add(c)
		}
		if len(suite.Cases) == 0 { // no run recorded a verdict: say so rather than pass
			add(junitCase{Name: s.Name + ": runs", Classname: "faultline." + s.Name, Time: "0.000",
				Failure: &junitFailure{Type: "error", Message: "no run recorded any invariant"}})
		}
		// The runs' time is the scenario's; each case's share of it is not
		// known, so the first case carries it.
		suite.Cases[0].Time = fmt.Sprintf("%.3f", s.WallSeconds)
		out.Tests += suite.Tests
		out.Failures += suite.Failures
		out.Suites = append(out.Suites, suite)
	}
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

// invariantCase is one invariant of one scenario: failed when any run
// broke it or could not decide it, with the seeds that did.
func invariantCase(s ScenarioReport, name string) junitCase {
	c := junitCase{Name: fmt.Sprintf("%s: %s (seeds %s)", s.Name, name, s.Seeds), Classname: "faultline." + s.Name, Time: "0.000"}
	statuses := s.Invariants[name]
	bad := s.Runs - statuses["pass"]
	if bad <= 0 {
		return c
	}
	var body strings.Builder
	for _, f := range s.FailingSeeds {
		if slices.Contains(f.Invariants, name) {
			fmt.Fprintf(&body, "seed %d: %s\n  repro: %s\n", f.Seed, strings.Join(f.Invariants, ", "), f.Repro)
		}
	}
	c.Failure = &junitFailure{Type: "invariant", Body: body.String(),
		Message: fmt.Sprintf("%s did not hold in %d of %d runs (%d failed, %d undecided)", name, bad, s.Runs, statuses["fail"], bad-statuses["fail"])}
	return c
}

// errorCase lists the runs that could not be performed at all.
func errorCase(s ScenarioReport) (junitCase, bool) {
	var body strings.Builder
	n := 0
	for _, f := range s.FailingSeeds {
		for _, inv := range f.Invariants {
			if strings.HasPrefix(inv, "error: ") {
				n++
				fmt.Fprintf(&body, "seed %d: %s\n  repro: %s\n", f.Seed, strings.TrimPrefix(inv, "error: "), f.Repro)
			}
		}
	}
	if n == 0 {
		return junitCase{}, false
	}
	return junitCase{Name: s.Name + ": runs performed", Classname: "faultline." + s.Name, Time: "0.000",
		Failure: &junitFailure{Type: "error", Message: fmt.Sprintf("%d runs could not be performed", n), Body: body.String()}}, true
}

func slicesSort(s []string) { slices.Sort(s) }
