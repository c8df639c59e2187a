package mutants

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const validHeader = "Mutant: off-by-one\nClass: ledger/limits\nModels: a limit compared with < instead of <=\n" +
	"Breaks: conservation, linearizability\nWhy: a transfer that reaches the limit exactly is refused\n\n"

const validDiff = "diff --git a/f.go b/f.go\n--- a/f.go\n+++ b/f.go\n@@ -1 +1 @@\n-a\n+b\n"

func TestParseReadsTheHeader(t *testing.T) {
	m, err := Parse("off-by-one", []byte(validHeader+validDiff))
	if err != nil {
		t.Fatal(err)
	}
	if m.Class != "ledger/limits" || len(m.Breaks) != 2 || m.Breaks[1] != "linearizability" ||
		!strings.HasPrefix(string(m.Patch), "diff --git") {
		t.Fatalf("parsed %+v", m)
	}
}

func TestParseRejectsMalformedMutants(t *testing.T) {
	cases := map[string]struct{ name, text string }{
		"bad name":           {"Off_By_One", validHeader + validDiff},
		"name differs":       {"other", validHeader + validDiff},
		"no diff":            {"off-by-one", validHeader},
		"no blank line":      {"off-by-one", strings.TrimSuffix(validHeader, "\n") + validDiff},
		"missing why":        {"off-by-one", strings.Replace(validHeader, "Why: a transfer that reaches the limit exactly is refused\n", "", 1) + validDiff},
		"empty value":        {"off-by-one", strings.Replace(validHeader, "Models: a limit compared with < instead of <=", "Models:", 1) + validDiff},
		"unknown header key": {"off-by-one", "Colour: red\n" + validHeader + validDiff},
		"duplicate key":      {"off-by-one", "Class: x/y\n" + validHeader + validDiff},
	}
	for name, c := range cases {
		if _, err := Parse(c.name, []byte(c.text)); !errors.Is(err, ErrBadMutant) {
			t.Errorf("%s: got %v, want ErrBadMutant", name, err)
		}
	}
}

func root(t *testing.T) string {
	t.Helper()
	r, err := FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The catalog cannot rot silently: every mutant's patch applies cleanly to
// the tree as it is, and really changes the files it names.
func TestEveryMutantApplies(t *testing.T) {
	r := root(t)
	ms, err := Load(filepath.Join(r, CatalogDir))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 30 {
		t.Errorf("the catalog holds %d mutants; it should hold at least 30", len(ms))
	}
	classes := map[string]bool{}
	for _, m := range ms {
		classes[strings.Split(m.Class, "/")[0]] = true
		dir := filepath.Join(t.TempDir(), "tree")
		if err := Prepare(context.Background(), r, dir, &m); err != nil {
			t.Error(err)
			continue
		}
		for _, f := range patchedFiles(m.Patch) {
			before, _ := os.ReadFile(filepath.Join(r, f))
			after, _ := os.ReadFile(filepath.Join(dir, f))
			if string(before) == string(after) {
				t.Errorf("%s: applying it left %s unchanged", m.Name, f)
			}
		}
	}
	t.Logf("%d mutants in classes %v", len(ms), classes)
}

// A patch that no longer applies is an error naming the mutant, even when
// the copy of the tree sits inside the repository's own work tree (where
// git apply would otherwise skip every path and report success).
func TestAStalePatchIsAnErrorNamingIt(t *testing.T) {
	r := root(t)
	work := filepath.Join(r, "bin", "mutants-test")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(work, "tree-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	tree := filepath.Join(dir, "tree")
	stale := Mutant{Name: "stale", Patch: []byte("diff --git a/go.mod b/go.mod\n--- a/go.mod\n+++ b/go.mod\n" +
		"@@ -1 +1 @@\n-module example.com/not/this/one\n+module example.com/other\n")}
	err = Prepare(context.Background(), r, tree, &stale)
	if !errors.Is(err, ErrDoesNotApply) || !strings.Contains(err.Error(), "stale") {
		t.Fatalf("got %v, want ErrDoesNotApply naming the mutant", err)
	}
	m, err := Find(r, "commit-without-quorum")
	if err != nil {
		t.Fatal(err)
	}
	applied := filepath.Join(dir, "applied")
	if err := Prepare(context.Background(), r, applied, &m); err != nil {
		t.Fatalf("inside the work tree: %v", err)
	}
	before, _ := os.ReadFile(filepath.Join(r, "ledger/replica/replicate.go"))
	after, _ := os.ReadFile(filepath.Join(applied, "ledger/replica/replicate.go"))
	if string(before) == string(after) {
		t.Fatal("inside the work tree the patch reported success and changed nothing")
	}
}

func TestSelectRefusesAnUnknownName(t *testing.T) {
	all := []Mutant{{Name: "a"}, {Name: "b"}}
	if got, err := Select(all, []string{"b"}); err != nil || len(got) != 1 || got[0].Name != "b" {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := Select(all, []string{"c"}); !errors.Is(err, ErrBadMutant) {
		t.Fatalf("unknown name: %v", err)
	}
}
