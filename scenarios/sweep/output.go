package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/faultline/faultline/reports"
)

// The files of a sweep's output directory.
const (
	// ResultsFile holds one run record per line (JSON lines).
	ResultsFile = "results.jsonl"
	// ManifestFile says which sweep the directory holds (a Manifest), so
	// that a resumed sweep can check it finishes the same one.
	ManifestFile = "sweep.json"
)

// Errors of Create and Resume that the command line explains.
var (
	// ErrOutputNotEmpty: Create was given a directory that holds files
	// (an earlier sweep's, most likely). A sweep never overwrites one.
	ErrOutputNotEmpty = errors.New("output directory is not empty")
	// ErrNothingToResume: Resume was given a directory with no manifest.
	ErrNothingToResume = errors.New("no sweep to resume")
	// ErrResumeMismatch: Resume was asked to finish a different sweep
	// than the directory holds.
	ErrResumeMismatch = errors.New("not the sweep this directory holds")
)

// Manifest is what a sweep's output directory was made for: the jobs,
// as scenario names, seed range and shard. A resumed sweep must name the
// same; StartedAt and Revision are kept from the first start.
type Manifest struct {
	Scenarios []string `json:"scenarios"`
	Seeds     string   `json:"seeds"` // first-last, inclusive
	Shard     string   `json:"shard"` // i/n, 0-based
	// StartedAt is when the sweep first started (UTC, RFC 3339): the
	// report's JUnit timestamp.
	StartedAt string `json:"started_at"`
	// Revision is the VCS revision of the binary that started it.
	Revision string `json:"revision,omitempty"`
}

// sameJobs tells whether two manifests describe the same jobs, and if not
// how they differ.
func (m Manifest) sameJobs(o Manifest) (bool, string) {
	var diffs []string
	if !slices.Equal(m.Scenarios, o.Scenarios) {
		diffs = append(diffs, fmt.Sprintf("scenarios %s, not %s", strings.Join(m.Scenarios, ","), strings.Join(o.Scenarios, ",")))
	}
	if m.Seeds != o.Seeds {
		diffs = append(diffs, fmt.Sprintf("seeds %s, not %s", m.Seeds, o.Seeds))
	}
	if m.Shard != o.Shard {
		diffs = append(diffs, fmt.Sprintf("shard %s, not %s", m.Shard, o.Shard))
	}
	return len(diffs) == 0, strings.Join(diffs, "; ")
}

// ReadManifest reads the manifest of the sweep in dir.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if errors.Is(err, os.ErrNotExist) {
		return m, fmt.Errorf("%w: %s has no %s", ErrNothingToResume, dir, ManifestFile)
	}
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%s: %w", filepath.Join(dir, ManifestFile), err)
	}
	return m, nil
}

// Output is a sweep's results file, open for appending records.
type Output struct {
	file *os.File
}

// Create makes dir a new sweep's output directory: its manifest and an
// empty results file. A directory that holds anything is refused
// (ErrOutputNotEmpty), never overwritten.
func Create(dir string, m Manifest) (*Output, error) {
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if len(entries) > 0 {
		var names []string
		for _, e := range entries[:min(len(entries), 4)] {
			names = append(names, e.Name())
		}
		if len(entries) > len(names) {
			names = append(names, "...")
		}
		return nil, fmt.Errorf("%s: %w (it holds %s)", dir, ErrOutputNotEmpty, strings.Join(names, ", "))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, ResultsFile), os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &Output{file: f}, nil
}

// Resumed is what an interrupted sweep left: the jobs it recorded, their
// summary so far, and the torn last line cut off its results, if any.
type Resumed struct {
	Manifest Manifest // as stored: StartedAt and Revision of the first start
	Done     map[Job]bool
	Earlier  *Tally
	Torn     *reports.TornTail
}

// Resume opens the output directory of an interrupted sweep to finish it.
// m must name the same jobs as the stored manifest (ErrResumeMismatch),
// and every stored record must be one of them. A torn last line is cut
// off (its run is not done), so that new records start on a line of
// their own.
func Resume(dir string, m Manifest, jobs []Job) (*Output, *Resumed, error) {
	stored, err := ReadManifest(dir)
	if err != nil {
		return nil, nil, err
	}
	if same, diff := stored.sameJobs(m); !same {
		return nil, nil, fmt.Errorf("%w: %s holds %s", ErrResumeMismatch, dir, diff)
	}
	wanted := make(map[Job]bool, len(jobs))
	for _, j := range jobs {
		wanted[j] = true
	}
	r := &Resumed{Manifest: stored, Done: map[Job]bool{}, Earlier: &Tally{}}
	path := filepath.Join(dir, ResultsFile)
	var stray error
	r.Torn, err = reports.ScanRecordFile(path, func(rec *reports.RunRecord) {
		j := Job{rec.Scenario, rec.Seed}
		switch {
		case stray != nil:
		case !wanted[j] || r.Done[j]:
			stray = fmt.Errorf("%w: %s records %s seed %d, which is not a job of this sweep or appears twice", ErrResumeMismatch, path, j.Scenario, j.Seed)
		default:
			r.Done[j] = true
			r.Earlier.Add(*rec)
		}
	})
	if errors.Is(err, os.ErrNotExist) {
		err = nil // interrupted before the first record
	}
	if err == nil {
		err = stray
	}
	if err != nil {
		return nil, nil, err
	}
	f, err := openForAppend(path, r.Torn)
	if err != nil {
		return nil, nil, err
	}
	return &Output{file: f}, r, nil
}

// openForAppend opens a results file to append to, first cutting off its
// torn last line and ending its last whole line with a newline if it
// lacks one.
func openForAppend(path string, torn *reports.TornTail) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	size, err := f.Seek(0, io.SeekEnd)
	if err == nil && torn != nil {
		size = torn.Offset
		err = f.Truncate(size)
	}
	if err == nil && size > 0 {
		last := make([]byte, 1)
		if _, err = f.ReadAt(last, size-1); err == nil && last[0] != '\n' {
			_, err = f.WriteAt([]byte{'\n'}, size)
		}
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
}

// Write appends one record in a single write, so that a reader sees it
// whole or not at all (see reports.WriteRecord).
func (o *Output) Write(rec *reports.RunRecord) error {
	return reports.WriteRecord(o.file, rec)
}

// Close flushes the results file to stable storage and closes it: a sweep
// that ends, or is interrupted, has its records on disk.
func (o *Output) Close() error {
	err := o.file.Sync()
	if cerr := o.file.Close(); err == nil {
		err = cerr
	}
	return err
}
