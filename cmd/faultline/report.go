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
	"syscall"
	"time"

	"github.com/faultline/faultline/reports"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/repro"
	"github.com/faultline/faultline/scenarios/sweep"
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
	fs.Var(&in, "in", "a sweep's output directory (repeat, or separate with commas, to merge shards)")
	out := fs.String("out", "report", "write report.html, report.md, report.json, junit.xml and the merged results.jsonl here")
	baseline := fs.String("baseline", "", "an earlier report.json to show the trend against")
	noFail := fs.Bool("no-fail", false, "exit 0 even when a run failed or a tolerance was breached (bad input still exits 2)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return usageExit("report", err, stderr)
	}
	if fs.NArg() > 0 || len(in) == 0 {
		fmt.Fprintf(stderr, "faultline report: usage: %s\n", helpOf("report").Synopsis)
		return exitUsage
	}
	agg := reports.NewAggregator(scenarioInfo())
	merge, err := reports.ScanResults(resultsPaths(in), agg)
	if err != nil {
		fmt.Fprintf(stderr, "faultline report: %v\n", err)
		return exitUsage
	}
	for _, torn := range merge.Torn {
		fmt.Fprintf(stderr, "faultline report: warning: %s\n", torn)
	}
	ev := evidence(in)
	if ev.SweptAt, err = sweptAt(in); err != nil {
		fmt.Fprintf(stderr, "faultline report: %v\n", err)
		return exitUsage
	}
	rep := agg.Report(ev)
	if rep.Runs == 0 {
		fmt.Fprintf(stderr, "faultline report: no run records in %v\n", []string(in))
		return exitUsage
	}
	if *baseline != "" {
		earlier, err := readReport(*baseline)
		if err != nil {
			fmt.Fprintf(stderr, "faultline report: %v\n", err)
			return exitUsage
		}
		rep.CompareWith(earlier)
	}
	reports.LinkBundles(&rep, *out, in, bundleCommand)
	if err := writeReports(*out, &rep, merge); err != nil {
		fmt.Fprintf(stderr, "faultline report: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "%s: %d runs, %d failed, %d breaches\nwrote %s\n", strings.ToUpper(rep.Verdict), rep.Runs, rep.Failed, len(rep.Breaches),
		filepath.Join(*out, "report.html"))
	if rep.Verdict != "pass" && !*noFail {
		return exitViolated
	}
	return exitPass
}

// sweptAt is when the earliest of the input sweeps started, from their
// manifests (sweep.json); empty when no input has one (a results file
// given as such, or a sweep older than manifests).
func sweptAt(inputs []string) (string, error) {
	var earliest time.Time
	for _, in := range inputs {
		m, err := sweep.ReadManifest(in)
		if errors.Is(err, sweep.ErrNothingToResume) || errors.Is(err, syscall.ENOTDIR) {
			continue
		}
		if err != nil {
			return "", err
		}
		t, err := time.Parse(time.RFC3339, m.StartedAt)
		if err != nil {
			return "", fmt.Errorf("%s: started_at: %w", filepath.Join(in, sweep.ManifestFile), err)
		}
		if earliest.IsZero() || t.Before(earliest) {
			earliest = t
		}
	}
	if earliest.IsZero() {
		return "", nil
	}
	return reports.Now(earliest), nil
}

// resultsPaths names the results file of each input: a sweep's output
// directory holds results.jsonl; a file is taken as it is.
func resultsPaths(inputs []string) []string {
	paths := make([]string, len(inputs))
	for i, in := range inputs {
		paths[i] = in
		if info, err := os.Stat(in); err == nil && info.IsDir() {
			paths[i] = filepath.Join(in, "results.jsonl")
		}
	}
	return paths
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
	if r.SchemaVersion > reports.ReportSchemaVersion {
		return r, fmt.Errorf("%s has schema_version %d; this build reads up to %d", path, r.SchemaVersion, reports.ReportSchemaVersion)
	}
	return r, nil
}

func writeReports(dir string, rep *reports.Report, merge *reports.Merge) error {
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
		{"junit.xml", func(w io.Writer) error { return reports.WriteJUnit(w, rep) }},
		{"results.jsonl", merge.WriteSorted},
	}
	for _, wr := range writers {
		if err := writeAtomically(filepath.Join(dir, wr.name), wr.write); err != nil {
			return fmt.Errorf("write %s: %w", wr.name, err)
		}
	}
	return nil
}

// writeAtomically writes a file beside path and renames it into place
// once complete: an interrupted report leaves the previous file whole,
// and a results.jsonl being merged can be the output too (--out naming an
// --in directory), because the merge reads the inputs before the rename.
func writeAtomically(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil { // CreateTemp makes it private; a report is for reading
		f.Close()
		os.Remove(f.Name())
		return err
	}
	bw := bufio.NewWriter(f)
	err = write(bw)
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// bundleCommand is the command that runs verb on the bundle in dir with
// the binary that made the bundle (a mutant's bundle names its mutant);
// an unreadable bundle.json gets this binary's command.
func bundleCommand(verb, dir string) string {
	var b struct {
		Mutant string `json:"mutant"`
	}
	if data, err := os.ReadFile(filepath.Join(dir, "bundle.json")); err == nil {
		_ = json.Unmarshal(data, &b) // a bundle that does not decode names no mutant
	}
	return scenarios.BundleCommandFor(b.Mutant, verb, dir)
}
