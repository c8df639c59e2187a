// Package mutants measures the harness by the bugs it finds: a catalog of
// planted bugs (patches against the tree, kept in catalog/), and a runner
// that applies each to a fresh copy of the tree, builds it, sweeps every
// scenario over it and reports which mutants the sweep caught.
//
// Planted bugs never live in production code: the only way to run one is
// to build a mutated copy of the tree, which is what tests and
// demonstrations that need a failing build do too.
package mutants

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// ErrBadMutant is wrapped by errors about a catalog file.
var ErrBadMutant = errors.New("mutants: bad mutant")

// CatalogDir is the catalog's directory, relative to the repository root.
const CatalogDir = "mutants/catalog"

// Mutant is one planted bug: what it models, what it should break, and the
// patch that plants it.
type Mutant struct {
	// Name is the file's name without .patch.
	Name string `json:"name"`
	// Class is the kind of rule it breaks, area/rule (consensus/votes).
	Class string `json:"class"`
	// Models is the real-world mistake, in one line.
	Models string `json:"models"`
	// Breaks are the invariants it should break.
	Breaks []string `json:"breaks"`
	// Why argues that it is really a bug, not an equivalent mutant.
	Why string `json:"why"`
	// Patch is the unified diff, as git apply reads it.
	Patch []byte `json:"-"`
}

// namePattern is what a mutant's name may look like: it becomes a file
// name, a directory name and part of a binary's name.
var namePattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// headerKeys are the header fields every mutant must have, in order.
var headerKeys = []string{"Mutant", "Class", "Models", "Breaks", "Why"}

// Parse reads a catalog file: header lines "Key: value", a blank line, and
// the diff. name is the file's name without .patch.
func Parse(name string, data []byte) (Mutant, error) {
	m := Mutant{Name: name}
	if !namePattern.MatchString(name) {
		return m, fmt.Errorf("%w: %q: a name is lower-case words joined by dashes", ErrBadMutant, name)
	}
	header, patch, ok := bytes.Cut(data, []byte("\n\n"))
	if !ok || !bytes.Contains(patch, []byte("\n+++ ")) {
		return m, fmt.Errorf("%w: %s: want header lines, a blank line, then a unified diff", ErrBadMutant, name)
	}
	fields := map[string]string{}
	for _, line := range strings.Split(string(header), "\n") {
		key, value, ok := strings.Cut(line, ":")
		value = strings.TrimSpace(value)
		if !ok || !slices.Contains(headerKeys, key) || value == "" {
			return m, fmt.Errorf("%w: %s: header line %q: want one of %v, a colon and a value", ErrBadMutant, name, line, headerKeys)
		}
		if _, dup := fields[key]; dup {
			return m, fmt.Errorf("%w: %s: header %s given twice", ErrBadMutant, name, key)
		}
		fields[key] = value
	}
	for _, key := range headerKeys {
		if fields[key] == "" {
			return m, fmt.Errorf("%w: %s: no %s header", ErrBadMutant, name, key)
		}
	}
	if fields["Mutant"] != name {
		return m, fmt.Errorf("%w: %s: its header names it %q", ErrBadMutant, name, fields["Mutant"])
	}
	m.Class, m.Models, m.Why = fields["Class"], fields["Models"], fields["Why"]
	for _, b := range strings.Split(fields["Breaks"], ",") {
		m.Breaks = append(m.Breaks, strings.TrimSpace(b))
	}
	m.Patch = patch
	return m, nil
}

// Load reads every mutant of the catalog in dir, sorted by name.
func Load(dir string) ([]Mutant, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.patch"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w: no *.patch files in %s", ErrBadMutant, dir)
	}
	slices.Sort(paths)
	var out []Mutant
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		m, err := Parse(strings.TrimSuffix(filepath.Base(p), ".patch"), data)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// Select picks the named mutants from a catalog, in the catalog's order;
// no names picks them all. An unknown name is an error.
func Select(all []Mutant, names []string) ([]Mutant, error) {
	if len(names) == 0 {
		return all, nil
	}
	var out []Mutant
	for _, m := range all {
		if slices.Contains(names, m.Name) {
			out = append(out, m)
		}
	}
	for _, n := range names {
		if !slices.ContainsFunc(all, func(m Mutant) bool { return m.Name == n }) {
			return nil, fmt.Errorf("%w: no mutant named %q in the catalog", ErrBadMutant, n)
		}
	}
	return out, nil
}

// Find loads the catalog under root and returns the named mutant.
func Find(root, name string) (Mutant, error) {
	all, err := Load(filepath.Join(root, CatalogDir))
	if err != nil {
		return Mutant{}, err
	}
	picked, err := Select(all, []string{name})
	if err != nil {
		return Mutant{}, err
	}
	return picked[0], nil
}
