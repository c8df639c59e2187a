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

// WriteJUnit renders the report as JUnit XML: one test suite per scenario,
// one test case per scenario and seed range, failing with the failing
// seeds and their repro commands.
func WriteJUnit(w io.Writer, r *Report) error {
	out := junitSuites{Name: "faultline", Tests: len(r.Scenarios)}
	for _, s := range r.Scenarios {
		c := junitCase{Name: fmt.Sprintf("%s seeds %s", s.Name, s.Seeds), Classname: "faultline." + s.Name,
			Time: fmt.Sprintf("%.3f", s.WallSeconds)}
		if s.Verdict != "pass" {
			var body strings.Builder
			for _, f := range s.FailingSeeds {
				fmt.Fprintf(&body, "seed %d: %s\n  repro: %s\n", f.Seed, strings.Join(f.Invariants, ", "), f.Repro)
			}
			for _, b := range s.Breaches {
				fmt.Fprintf(&body, "tolerance breach: %s\n", b)
			}
			c.Failure = &junitFailure{Type: "invariant", Body: body.String(),
				Message: fmt.Sprintf("%d of %d runs failed; %d tolerance breaches", s.Failed, s.Runs, len(s.Breaches))}
			out.Failures++
		}
		suite := junitSuite{Name: s.Name, Tests: 1, Cases: []junitCase{c}}
		if c.Failure != nil {
			suite.Failures = 1
		}
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

func slicesSort(s []string) { slices.Sort(s) }
