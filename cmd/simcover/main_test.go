package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSimcoverReportsCoverageAndTheBlocksNoRunReached(t *testing.T) {
	profile := filepath.Join(t.TempDir(), "p.txt")
	text := "mode: set\n" +
		modulePath + "/ledger/a.go:1.1,3.2 2 1\n" +
		modulePath + "/ledger/a.go:5.1,9.2 3 0\n" +
		modulePath + "/ledger/a.go:5.1,9.2 3 1\n" + // reached by a second run
		modulePath + "/ledger/b.go:7.1,8.2 5 0\n" +
		modulePath + "/ledger/replica/c.go:1.1,2.2 4 1\n"
	if err := os.WriteFile(profile, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"-profile", profile}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{
		"ledger: 5 of 10 statements reached by simulation, 50.0%",
		"  ledger/b.go:7-8 (5 statements)",
		"ledger/replica: 4 of 4 statements reached by simulation, 100.0%",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "a.go:5") {
		t.Errorf("a block one run reached is listed as uncovered:\n%s", out.String())
	}
}

func TestSimcoverRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("mode: set\nnot a block\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, args := range map[string][]string{
		"no profile":      nil,
		"missing file":    {"-profile", filepath.Join(dir, "none")},
		"malformed block": {"-profile", bad},
		"unknown flag":    {"-bogus"},
	} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 2 || errOut.Len() == 0 {
			t.Errorf("%s: exit %d, stderr %q", name, code, errOut.String())
		}
	}
}
