package reports

import (
	"bytes"
	"encoding/xml"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// xmlElement is any element with its attributes, for checking what the
// schema requires without trusting our own structs to read it back.
type xmlElement struct {
	XMLName  xml.Name
	Attrs    []xml.Attr   `xml:",any,attr"`
	Children []xmlElement `xml:",any"`
	Text     string       `xml:",chardata"`
}

func (e xmlElement) attr(name string) (string, bool) {
	for _, a := range e.Attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

func (e xmlElement) children(name string) []xmlElement {
	var out []xmlElement
	for _, c := range e.Children {
		if c.XMLName.Local == name {
			out = append(out, c)
		}
	}
	return out
}

// surefireTime is the Jenkins xUnit JUnit schema's SUREFIRE_TIME pattern,
// anchored as XML Schema patterns are.
var surefireTime = regexp.MustCompile(`^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?$`)

// junitRecords: leader-crash seed 2 breaks linearizability (a finding),
// seed 3's worker crashed (the harness's fault), seed 1 passed.
func junitRecords() []RunRecord {
	recs := sampleRecords()
	recs[1].Evidence = map[string][]string{"linearizability": {"no linearization of group 3 after op 17", "op 17: transfer t9 read 40"}}
	recs = append(recs, RunRecord{Scenario: "leader-crash", Seed: 3, Verdict: "fail",
		Error: "worker process died (exit status 2); stderr: fatal error: concurrent map writes",
		Repro: "faultline run --scenario leader-crash --seed 3"})
	return recs
}

// TestJUnitMeetsTheJenkinsSchemaAndSplitsErrorsFromFailures checks the
// attributes the Jenkins xUnit JUnit schema (junit-10.xsd) requires, that
// the counts add up, and that a run the harness could not perform is an
// <error> while a broken invariant is a <failure> whose message carries the
// evidence and the repro command.
func TestJUnitMeetsTheJenkinsSchemaAndSplitsErrorsFromFailures(t *testing.T) {
	r := Build(junitRecords(), sampleInfo, Evidence{SweptAt: "2026-03-01T02:00:07Z", GeneratedAt: "2026-03-01T05:00:00Z"})
	var junit bytes.Buffer
	if err := WriteJUnit(&junit, &r); err != nil {
		t.Fatal(err)
	}
	var root xmlElement
	if err := xml.NewDecoder(&junit).Decode(&root); err != nil {
		t.Fatal(err)
	}
	if root.XMLName.Local != "testsuites" {
		t.Fatalf("root element %q", root.XMLName.Local)
	}
	suites := root.children("testsuite")
	if len(suites) != 2 {
		t.Fatalf("%d suites, want one per scenario", len(suites))
	}
	total := map[string]int{}
	byName := map[string]xmlElement{}
	for _, s := range suites {
		name, _ := s.attr("name")
		byName[name] = s
		for _, a := range []string{"name", "tests", "failures", "errors", "time", "timestamp"} {
			if _, ok := s.attr(a); !ok {
				t.Errorf("suite %s has no %q attribute", name, a)
			}
		}
		if v, _ := s.attr("time"); !surefireTime.MatchString(v) {
			t.Errorf("suite %s time %q is not a SUREFIRE_TIME", name, v)
		}
		if v, _ := s.attr("timestamp"); v != "2026-03-01T02:00:07" {
			t.Errorf("suite %s timestamp %q, want the sweep's start", name, v)
		}
		counted := countCases(t, s)
		for _, a := range []string{"tests", "failures", "errors"} {
			if v, _ := s.attr(a); v != strconv.Itoa(counted[a]) {
				t.Errorf("suite %s says %s=%s, its cases make %d", name, a, v, counted[a])
			}
			total[a] += counted[a]
		}
	}
	for _, a := range []string{"tests", "failures", "errors"} {
		if v, _ := root.attr(a); v != strconv.Itoa(total[a]) {
			t.Errorf("testsuites says %s=%s, the suites make %d", a, v, total[a])
		}
	}
	if v, _ := root.attr("time"); !surefireTime.MatchString(v) {
		t.Errorf("testsuites time %q", v)
	}

	problems := problemsByCase(byName["leader-crash"])
	if got := problems["leader-crash: runs performed"]; got.kind != "error" ||
		!strings.Contains(got.message, "1 runs could not be performed") || !strings.Contains(got.text, "concurrent map writes") {
		t.Errorf("the crashed worker: %+v", got)
	}
	lin := problems["leader-crash: linearizability (seeds 1-3)"]
	if lin.kind != "failure" || !strings.Contains(lin.message, "1 of 2 runs") ||
		!strings.Contains(lin.message, "no linearization of group 3 after op 17") ||
		!strings.Contains(lin.message, "repro: faultline run --scenario leader-crash --seed 2") ||
		!strings.Contains(lin.text, "op 17: transfer t9 read 40") {
		t.Errorf("the broken invariant: %+v", lin)
	}
	if got, ok := problems["leader-crash: durability (seeds 1-3)"]; ok {
		t.Errorf("durability held in every run performed, yet: %+v", got)
	}
	if got := problems["leader-crash: impact tolerances"]; got.kind != "failure" {
		t.Errorf("the breached tolerances: %+v", got)
	}
	if len(problemsByCase(byName["baseline"])) != 0 {
		t.Error("baseline passed, yet has failures or errors")
	}
}

// Without a sweep start, the timestamp is the report's generation time;
// rendering twice gives the same bytes.
func TestJUnitTimestampComesFromTheEvidenceNotTheClock(t *testing.T) {
	r := Build(sampleRecords(), sampleInfo, Evidence{GeneratedAt: "2026-03-01T05:00:00Z"})
	var a, b bytes.Buffer
	if err := WriteJUnit(&a, &r); err != nil {
		t.Fatal(err)
	}
	if err := WriteJUnit(&b, &r); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) || !strings.Contains(a.String(), `timestamp="2026-03-01T05:00:00"`) {
		t.Fatalf("junit.xml:\n%s", a.String())
	}
}

func countCases(t *testing.T, suite xmlElement) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, c := range suite.children("testcase") {
		n["tests"]++
		if _, ok := c.attr("name"); !ok {
			t.Error("a test case without a name")
		}
		if v, _ := c.attr("time"); !surefireTime.MatchString(v) {
			t.Errorf("case time %q", v)
		}
		n["failures"] += min(len(c.children("failure")), 1)
		n["errors"] += min(len(c.children("error")), 1)
		if len(c.children("failure")) > 0 && len(c.children("error")) > 0 {
			t.Error("a case both failed and errored")
		}
	}
	return n
}

type problem struct{ kind, message, text string }

func problemsByCase(suite xmlElement) map[string]problem {
	out := map[string]problem{}
	for _, c := range suite.children("testcase") {
		name, _ := c.attr("name")
		for _, p := range c.Children {
			if p.XMLName.Local == "failure" || p.XMLName.Local == "error" {
				msg, _ := p.attr("message")
				out[name] = problem{p.XMLName.Local, msg, p.Text}
			}
		}
	}
	return out
}
