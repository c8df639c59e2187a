package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/faultline/faultline/reports"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/repro"
)

// dirList is a repeatable flag of directories.
type dirList []string

func (d *dirList) String() string { return strings.Join(*d, ",") }
func (d *dirList) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if part != "" {
			*d = append(*d, part)
		}
	}
	return nil
}

func reportCommand(args []string, stdout, stderr io.Writer) int {
	var in dirList
	fs := flag.NewFlagSet("faultline report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(&in, "in", "a sweep's output directory (repeat, or separate with commas, to merge shards)")
	out := fs.String("out", "report", "write report.html, report.md, report.json, junit.xml and the merged results.jsonl here")
	baseline := fs.String("baseline", "", "an earlier report.json to show the trend against")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPass
		}
		return exitUsage
	}
	if fs.NArg() > 0 || len(in) == 0 {
		fmt.Fprintln(stderr, "faultline report: usage: faultline report --in DIR [--in DIR ...] [--out DIR] [--baseline report.json]")
		return exitUsage
	}
	records, err := readResults(in)
	if err != nil {
		fmt.Fprintf(stderr, "faultline report: %v\n", err)
		return exitUsage
	}
	rep := reports.Build(records, scenarioInfo(), evidence(in))
	if *baseline != "" {
		earlier, err := readReport(*baseline)
		if err != nil {
			fmt.Fprintf(stderr, "faultline report: %v\n", err)
			return exitUsage
		}
		rep.CompareWith(earlier)
	}
	if err := writeReports(*out, &rep, records); err != nil {
		fmt.Fprintf(stderr, "faultline report: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "%s: %d runs, %d failed, %d breaches\nwrote %s\n", overallOf(&rep), rep.Runs, rep.Failed, len(rep.Breaches),
		filepath.Join(*out, "report.html"))
	return exitPass
}

// readResults reads and merges the results of several sweeps or shards.
// The same run in two inputs (a shard given twice) is an error, not a
// silent double count.
func readResults(dirs []string) ([]reports.RunRecord, error) {
	var all []reports.RunRecord
	seen := map[string]string{}
	for _, dir := range dirs {
		path := dir
		if info, err := os.Stat(dir); err == nil && info.IsDir() {
			path = filepath.Join(dir, "results.jsonl")
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		recs, err := reports.ReadRecords(bufio.NewReader(f))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		for _, r := range recs {
			key := fmt.Sprintf("%s/%d", r.Scenario, r.Seed)
			if prev, dup := seen[key]; dup {
				return nil, fmt.Errorf("%s seed %d appears in both %s and %s", r.Scenario, r.Seed, prev, path)
			}
			seen[key] = path
		}
		all = append(all, recs...)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("no run records in %v", dirs)
	}
	reports.SortRecords(all)
	return all, nil
}

func scenarioInfo() map[string]reports.ScenarioInfo {
	out := map[string]reports.ScenarioInfo{}
	for _, s := range scenarios.Catalog() {
		out[s.Name] = reports.ScenarioInfo{Name: s.Name, Summary: s.Summary, Models: s.Models,
			RecoveryBoundS: s.SLO.RecoveryBound.Seconds(), MinAvailability: s.SLO.MinAvailability,
			LatencyP99BoundMs: float64(s.SLO.LatencyP99Bound) / 1e6}
	}
	return out
}

func evidence(sources []string) reports.Evidence {
	module, revision := repro.Version()
	ev := reports.Evidence{ModuleVersion: module, Revision: revision, Sources: sources,
		GeneratedAt: reports.Now(time.Now()), BinarySHA256: "unknown"}
	if exe, err := os.Executable(); err == nil {
		if b, err := os.ReadFile(exe); err == nil {
			sum := sha256.Sum256(b)
			ev.BinarySHA256 = hex.EncodeToString(sum[:])
		}
	}
	return ev
}

func readReport(path string) (reports.Report, error) {
	var r reports.Report
	b, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("%s is not a report.json: %w", path, err)
	}
	return r, nil
}

func writeReports(dir string, rep *reports.Report, records []reports.RunRecord) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	writers := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"report.html", func(w io.Writer) error { return reports.WriteHTML(w, rep) }},
		{"report.md", func(w io.Writer) error { return reports.WriteMarkdown(w, rep) }},
		{"report.json", func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(rep)
		}},
		{"junit.xml", func(w io.Writer) error { return reports.WriteJUnit(w, rep, records) }},
		{"results.jsonl", func(w io.Writer) error {
			for i := range records {
				if err := reports.WriteRecord(w, &records[i]); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, wr := range writers {
		f, err := os.Create(filepath.Join(dir, wr.name))
		if err != nil {
			return err
		}
		bw := bufio.NewWriter(f)
		err = wr.write(bw)
		if ferr := bw.Flush(); err == nil {
			err = ferr
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", wr.name, err)
		}
	}
	return nil
}

func overallOf(r *reports.Report) string {
	if r.Failed > 0 || len(r.Breaches) > 0 {
		return "FAIL"
	}
	return "PASS"
}
