package reports

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// recordLineMax bounds one line of a results file: a record is a few
// kilobytes, so anything near this is not a results file.
const recordLineMax = 64 << 20

// Merge is a set of results files (the shards of a sweep, or several
// sweeps) read once, record by record, into an Aggregator, and indexed so
// that WriteSorted can write them out again as one file in canonical
// order without holding them: a merge of millions of runs needs memory for
// its per-run evidence, not for its records.
type Merge struct {
	paths    []string
	segments []segment
	// Torn lists the files whose last line was cut short, which the scan
	// skipped: the caller says so (see TornTail).
	Torn []TornTail
}

// segment is a stretch of one file holding one scenario's runs in
// ascending seed order. A sweep writes one per scenario; a merged file is
// one per scenario too; anything else is cut into as many as it takes.
type segment struct {
	file       int
	scenario   string
	start, end int64
}

// runKey identifies a run; scenario is an index into the names seen.
type runKey struct {
	scenario int
	seed     uint64
}

// ScanResults reads every record of the files at paths into a, checking
// each and refusing a run that appears twice (a shard given twice would
// otherwise count double). An error names the file and line. A file's
// last line that is cut short (no newline, not a record) is skipped and
// listed in the Merge's Torn: it is what an interrupted writer leaves.
func ScanResults(paths []string, a *Aggregator) (*Merge, error) {
	m := &Merge{paths: paths}
	names := map[string]int{}
	seen := map[runKey]int{}
	for fi := range paths {
		if err := m.scanFile(fi, a, names, seen); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Merge) scanFile(fi int, a *Aggregator, names map[string]int, seen map[runKey]int) error {
	path := m.paths[fi]
	var cur *segment
	var lastSeed uint64
	torn, err := scanLines(path, func(rec *RunRecord, start, end int64) error {
		id, ok := names[rec.Scenario]
		if !ok {
			id = len(names)
			names[rec.Scenario] = id
		}
		key := runKey{id, rec.Seed}
		if prev, dup := seen[key]; dup {
			return fmt.Errorf("%s seed %d appears in both %s and %s", rec.Scenario, rec.Seed, m.paths[prev], path)
		}
		seen[key] = fi
		if cur == nil || cur.scenario != rec.Scenario || rec.Seed <= lastSeed {
			m.segments = append(m.segments, segment{file: fi, scenario: rec.Scenario, start: start})
			cur = &m.segments[len(m.segments)-1]
		}
		cur.end, lastSeed = end, rec.Seed
		a.Add(rec)
		return nil
	})
	if torn != nil {
		m.Torn = append(m.Torn, *torn)
	}
	return err
}

// scanLines calls fn with each record of the results file at path and the
// byte range of its line, and returns the torn last line, if any (not
// passed to fn). An error from fn stops the scan and is returned.
func scanLines(path string, fn func(rec *RunRecord, start, end int64) error) (*TornTail, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	var buf []byte
	var offset int64
	for lineNo := 1; ; lineNo++ {
		start := offset
		buf, err = readLine(br, buf[:0])
		offset += int64(len(buf))
		if len(bytes.TrimSpace(buf)) > 0 {
			rec, derr := decodeRecordLine(buf)
			switch {
			case derr != nil && err == io.EOF: // the last line, unterminated: cut short
				return &TornTail{Path: path, Line: lineNo, Offset: start, Bytes: len(buf), Err: derr}, nil
			case derr != nil:
				return nil, fmt.Errorf("%s: line %d: %w", path, lineNo, derr)
			}
			if ferr := fn(&rec, start, offset); ferr != nil {
				return nil, ferr
			}
		}
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", path, lineNo, err)
		}
	}
}

// readLine appends the next line of br to buf, newline included. At the
// end of the input it returns what is left and io.EOF.
func readLine(br *bufio.Reader, buf []byte) ([]byte, error) {
	for {
		chunk, err := br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > recordLineMax {
			return buf, fmt.Errorf("a line longer than %d bytes: not a results file", recordLineMax)
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return buf, err
		}
	}
}

// decodeRecordLine parses one line of a results file and checks that it
// is a run record.
func decodeRecordLine(line []byte) (RunRecord, error) {
	var rec RunRecord
	if err := json.Unmarshal(line, &rec); err != nil {
		return rec, err
	}
	if rec.Scenario == "" || (rec.Verdict != "pass" && rec.Verdict != "fail") {
		return rec, fmt.Errorf("not a run record (scenario %q, verdict %q)", rec.Scenario, rec.Verdict)
	}
	return rec, nil
}

// WriteSorted writes every record scanned, one JSON line each, in the
// canonical order of SortRecords (scenario, then seed): merged shards then
// read the same as one unsharded sweep, whatever order they came in. Each
// scenario is a merge of its segments by seed; lines are copied as read.
func (m *Merge) WriteSorted(w io.Writer) error {
	files := make([]*os.File, len(m.paths))
	defer func() {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
	}()
	for i, path := range m.paths {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		files[i] = f
	}
	bySeed := slices.Clone(m.segments)
	slices.SortStableFunc(bySeed, func(a, b segment) int { return cmp.Compare(a.scenario, b.scenario) })
	for len(bySeed) > 0 {
		n := 1
		for n < len(bySeed) && bySeed[n].scenario == bySeed[0].scenario {
			n++
		}
		if err := mergeSegments(w, files, bySeed[:n]); err != nil {
			return err
		}
		bySeed = bySeed[n:]
	}
	return nil
}

// cursor reads one segment line by line.
type cursor struct {
	r    *bufio.Reader
	line []byte
	seed uint64
	path string
}

// next loads the cursor's next non-blank line; false at the segment's end.
func (c *cursor) next() (bool, error) {
	for {
		line, err := readLine(c.r, c.line[:0])
		c.line = line
		if len(bytes.TrimSpace(line)) > 0 {
			var s struct {
				Seed uint64 `json:"seed"`
			}
			if err := json.Unmarshal(line, &s); err != nil {
				return false, fmt.Errorf("%s changed while it was merged: %w", c.path, err)
			}
			c.seed = s.Seed
			return true, nil
		}
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
}

// mergeFanInMax bounds the segments merged at once. Sweeps and their
// shards give one segment per scenario and file; a file whose scenarios
// alternate line by line would give one per line, and a cursor each.
const mergeFanInMax = 64

func openCursor(files []*os.File, s segment) *cursor {
	return &cursor{r: bufio.NewReader(io.NewSectionReader(files[s.file], s.start, s.end-s.start)), path: files[s.file].Name()}
}

// mergeSegments writes one scenario's segments merged by seed.
func mergeSegments(w io.Writer, files []*os.File, segs []segment) error {
	if len(segs) > mergeFanInMax {
		return sortSegments(w, files, segs)
	}
	var live []*cursor
	for _, s := range segs {
		c := openCursor(files, s)
		ok, err := c.next()
		if err != nil {
			return err
		}
		if ok {
			live = append(live, c)
		}
	}
	for len(live) > 0 {
		i := 0
		for j := 1; j < len(live); j++ {
			if live[j].seed < live[i].seed {
				i = j
			}
		}
		c := live[i]
		if _, err := w.Write(append(bytes.TrimRight(c.line, "\r\n"), '\n')); err != nil {
			return err
		}
		ok, err := c.next()
		if err != nil {
			return err
		}
		if !ok {
			live = slices.Delete(live, i, i+1)
		}
	}
	return nil
}

// sortSegments writes one scenario's segments in seed order by reading
// them all into memory: the fallback for inputs too fragmented to merge,
// which holds one scenario's lines at a time.
func sortSegments(w io.Writer, files []*os.File, segs []segment) error {
	type seededLine struct {
		seed uint64
		line []byte
	}
	var lines []seededLine
	for _, s := range segs {
		c := openCursor(files, s)
		for {
			ok, err := c.next()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			lines = append(lines, seededLine{c.seed, bytes.Clone(bytes.TrimRight(c.line, "\r\n"))})
		}
	}
	slices.SortStableFunc(lines, func(a, b seededLine) int { return cmp.Compare(a.seed, b.seed) })
	for _, l := range lines {
		if _, err := w.Write(append(l.line, '\n')); err != nil {
			return err
		}
	}
	return nil
}
