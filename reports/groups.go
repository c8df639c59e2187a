package reports

import (
	"html/template"
	"slices"
	"strings"
)

// FailureGroup is the failing seeds of one scenario that broke one
// invariant (a seed that broke two is in both groups).
type FailureGroup struct {
	Scenario  string
	Invariant string
	Seeds     []uint64
}

// failureGroups groups a scenario's failing seeds by violated invariant,
// invariants in name order, seeds ascending. A run that could not be
// performed is grouped under "harness error".
func failureGroups(s ScenarioReport) []FailureGroup {
	bySeed := map[string][]uint64{}
	for _, f := range s.FailingSeeds {
		for _, inv := range f.Invariants {
			if strings.HasPrefix(inv, "error: ") {
				inv = "harness error"
			}
			if !slices.Contains(bySeed[inv], f.Seed) {
				bySeed[inv] = append(bySeed[inv], f.Seed)
			}
		}
	}
	var out []FailureGroup
	for _, inv := range sortedNames(bySeed) {
		seeds := slices.Clone(bySeed[inv])
		slices.Sort(seeds)
		out = append(out, FailureGroup{Scenario: s.Name, Invariant: inv, Seeds: seeds})
	}
	return out
}

// allFailureGroups is every scenario's groups, scenarios in report order.
func allFailureGroups(r *Report) []FailureGroup {
	var out []FailureGroup
	for _, s := range r.Scenarios {
		out = append(out, failureGroups(s)...)
	}
	return out
}

// chartOf is the chart of a scenario's worst run.
func chartOf(s ScenarioReport) template.HTML {
	return timelineChart(timeline{Scenario: s.Name, Seed: s.WorstSeed, Points: s.Timeline, Spans: s.FaultSpans, Violations: s.Violations})
}

// Definition is a metric's name and what it means, in plain words.
type Definition struct{ Term, Meaning string }

// Definitions say what each number on the page means; the HTML and the
// Markdown both print them.
var Definitions = []Definition{
	{"Run, seed", "One simulated run of a scenario. The seed fixes every random choice, so the same seed and binary replay the run exactly."},
	{"Failed run", "A run in which at least one invariant (a rule the ledger must never break, such as \"no acknowledged transfer is lost\") was violated, or which could not be performed at all."},
	{"Availability", "The share of one-second windows, while clients were sending requests, in which the cluster completed at least one request. 100% means no second went unserved. The summary shows the worst run's."},
	{"Recovery time (RTO, measured)", "For each disruptive fault, the time from the moment it struck until the cluster next committed a transfer. The summary shows the longest over all runs."},
	{"Acknowledged transfers lost (RPO)", "Transfers the ledger told a client were done that some replica no longer holds at the end. The tolerance is zero: any loss is a breach."},
	{"Latency p50, p99, p999", "How long clients waited for an answer, in milliseconds of simulated time: half of requests were faster than p50, 99% faster than p99, 99.9% faster than p999. Each is the worst over all runs."},
	{"Steady state, under fault", "Requests sent while no fault was active, and requests sent while one was."},
	{"Outcome unknown", "Requests whose client never learned whether they took effect (a timeout, a lost reply). They are resubmitted under the same ID, so they may apply once but never twice; the share shows how much that path was exercised."},
	{"Throughput", "Requests completed per second of simulated time, counted in 100 ms windows on the charts."},
	{"Impact tolerance", "The limit a scenario must stay within (recovery time, availability, p99 latency, data loss). Beyond it is a breach, and the scenario fails even if every invariant held."},
	{"Trace hash", "A fingerprint of everything that happened in a run; the same seed and binary give the same hash."},
}
