package mutants

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ReportVersion is the format version of report.json.
const ReportVersion = 1

// Report is the mutation score and every mutant's result.
type Report struct {
	Version int    `json:"version"`
	Seeds   string `json:"seeds"`
	// Caught of Measured mutants failed the sweep; Errors could not be
	// measured (their patch or build is broken) and count as not caught.
	Total    int `json:"total"`
	Caught   int `json:"caught"`
	Errors   int `json:"errors"`
	Measured int `json:"measured"`
	// UnitTestsOnly counts mutants the unit tests catch and the sweep does
	// not.
	UnitTestsOnly int `json:"unit_tests_only"`
	// MedianFirstFailingSeed is over caught mutants (nil: none caught).
	MedianFirstFailingSeed *uint64 `json:"median_first_failing_seed"`
	// ShrunkFaultsMax is the largest shrunk first failure (nil: none).
	ShrunkFaultsMax *int     `json:"shrunk_faults_max"`
	Mutants         []Result `json:"mutants"`
}

// NewReport summarizes results.
func NewReport(seeds string, results []Result) Report {
	rep := Report{Version: ReportVersion, Seeds: seeds, Total: len(results), Mutants: results}
	var firsts []uint64
	for _, r := range results {
		switch {
		case r.Error != "":
			rep.Errors++
			continue
		case r.Caught:
			rep.Caught++
			firsts = append(firsts, *r.FirstFailingSeed)
		case r.UnitTestsCaught != nil && *r.UnitTestsCaught:
			rep.UnitTestsOnly++
		}
		rep.Measured++
		if r.ShrunkFaults != nil && (rep.ShrunkFaultsMax == nil || *r.ShrunkFaults > *rep.ShrunkFaultsMax) {
			n := *r.ShrunkFaults
			rep.ShrunkFaultsMax = &n
		}
	}
	if len(firsts) > 0 {
		slices.Sort(firsts)
		m := firsts[(len(firsts)-1)/2] // the lower median: a seed that was run
		rep.MedianFirstFailingSeed = &m
	}
	return rep
}

// Score is the share of mutants caught, as "caught/total (percent)".
func (r *Report) Score() string {
	if r.Total == 0 {
		return "0/0"
	}
	return fmt.Sprintf("%d/%d (%.0f%%)", r.Caught, r.Total, 100*float64(r.Caught)/float64(r.Total))
}

// Write puts report.json and report.md in dir.
func (r *Report) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), append(data, '\n'), 0o644); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "report.md"))
	if err != nil {
		return err
	}
	r.Markdown(f)
	return f.Close()
}

// Markdown renders the report as a page: the score, then a row a mutant.
func (r *Report) Markdown(w io.Writer) {
	fmt.Fprintf(w, "# Mutation score: %s\n\n", r.Score())
	fmt.Fprintf(w, "Every scenario swept over seeds %s per mutant. %d caught by the sweep, %d survive", r.Seeds,
		r.Caught, r.Measured-r.Caught)
	if r.UnitTestsOnly > 0 {
		fmt.Fprintf(w, " (%d of them caught by the unit tests alone)", r.UnitTestsOnly)
	}
	if r.Errors > 0 {
		fmt.Fprintf(w, ", %d could not be measured", r.Errors)
	}
	fmt.Fprintf(w, ". Median first failing seed: %s; largest shrunk first failure: %s faults.\n\n",
		optional(r.MedianFirstFailingSeed), optional(r.ShrunkFaultsMax))
	fmt.Fprintln(w, "| mutant | class | caught | failing runs | first failing seed | scenarios | invariants | faults: first failure -> shrunk | unit tests |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, m := range r.Mutants {
		fmt.Fprintf(w, "| %s | %s | %s | %d/%d | %s | %s | %s | %s | %s |\n", m.Name, m.Class, caughtCell(&m),
			m.FailingRuns, m.TotalRuns, firstCell(&m), cell(m.ScenariosCaught), cell(m.InvariantsCaught),
			shrinkCell(&m), unitCell(&m))
	}
	fmt.Fprintln(w, "\n## What each mutant models")
	for _, m := range r.Mutants {
		fmt.Fprintf(w, "\n- **%s** (%s): %s. Should break %s. %s\n", m.Name, m.Class, m.Models,
			strings.Join(m.Breaks, ", "), m.Why)
		if m.Error != "" {
			fmt.Fprintf(w, "  - not measured: %s\n", m.Error)
		}
	}
}

func caughtCell(m *Result) string {
	switch {
	case m.Error != "":
		return "error"
	case m.Caught:
		return "yes"
	}
	return "**no**"
}

func firstCell(m *Result) string {
	if m.FirstFailingSeed == nil {
		return "-"
	}
	return fmt.Sprintf("%d (%s)", *m.FirstFailingSeed, m.FirstFailingScenario)
}

func shrinkCell(m *Result) string {
	switch {
	case m.ShrunkFaults != nil:
		return fmt.Sprintf("%d -> %d", *m.FirstFailureFaults, *m.ShrunkFaults)
	case m.ShrinkError != "":
		return "not shrunk"
	}
	return "-"
}

func unitCell(m *Result) string {
	switch {
	case m.UnitTestsCaught == nil:
		return "not run"
	case *m.UnitTestsCaught:
		return "caught (" + strings.Join(m.UnitTestsFailing, ", ") + ")"
	}
	return "pass"
}

func cell(list []string) string {
	if len(list) == 0 {
		return "-"
	}
	return strings.Join(list, ", ")
}

func optional[T any](p *T) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}
