package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestBadUsageGetsAClearErrorAndExit2(t *testing.T) {
	for _, args := range [][]string{
		{"nope"},
		{"run", "--no-such-flag"},
		{"run", "--seeds", "9-3"},
		{"run", "--seeds", "x"},
		{"run", "--parallel", "0"},
		{"run", "--shrink-runs", "0"},
		{"run", "--only", "no-such-mutant"},
		{"run", "extra"},
		{"list", "extra"},
		{"check", "extra"},
		{"build"},
		{"build", "no-such-mutant"},
	} {
		if code, _, stderr := runCLI(args...); code != exitUsage || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

func TestListNamesEveryMutant(t *testing.T) {
	code, out, _ := runCLI("list")
	if code != exitOK || !strings.Contains(out, "commit-without-quorum") || !strings.Contains(out, "consensus/commitment") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

// The mutants commands in examples/ take flags this build accepts.
func TestExampleMutantsCommandsParse(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*/*.y*ml")
	found := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			_, cmd, ok := strings.Cut(line, "./cmd/mutants run")
			if !ok {
				continue
			}
			fs := flag.NewFlagSet("run", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			seeds := fs.String("seeds", "1-20", "")
			parallel := fs.Int("parallel", 1, "")
			if err := fs.Parse(strings.Fields(cmd)); err != nil || checkRunFlags(fs, *seeds, *parallel, 1) != nil {
				t.Errorf("%s: %q does not parse", f, cmd)
			}
			found++
		}
	}
	if found == 0 {
		t.Fatal("no mutants run command in the examples")
	}
}

func TestEveryCommandsHelpGoesToStdoutWithExitZero(t *testing.T) {
	for _, c := range commands() {
		for _, args := range [][]string{{c.name, "-h"}, {c.name, "--help"}, {"help", c.name}} {
			code, out, errOut := runCLI(args...)
			if code != exitOK || errOut != "" || !strings.HasPrefix(out, "usage: mutants "+c.name) || !strings.Contains(out, c.summary) {
				t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
			}
		}
	}
	if code, out, _ := runCLI("help"); code != exitOK || !strings.Contains(out, "build") {
		t.Errorf("help: exit %d, %q", code, out)
	}
}

func TestTyposGetADidYouMean(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"lsit"}, `unknown command "lsit" (did you mean "list"?)`},
		{[]string{"help", "biuld"}, `unknown command "biuld" (did you mean "build"?)`},
		{[]string{"run", "--sedes", "1-3"}, "unknown flag --sedes (did you mean --seeds?)"},
		{[]string{"run", "--only", "commit-without-qorum"}, `no mutant named "commit-without-qorum" in the catalog (did you mean "commit-without-quorum"?)`},
	} {
		code, out, errOut := runCLI(tc.args...)
		if code != exitUsage || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

// TestRunRefusesAnOutThatIsAFile: `go build -o bin/ ./cmd/...` puts this
// command's binary at bin/mutants, the runner's old default; a file in
// --out's place is refused at once, not met once per mutant.
func TestRunRefusesAnOutThatIsAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "mutants")
	if err := os.WriteFile(file, []byte("a binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI("run", "--only", "post-after-void", "--out", file)
	if code != exitUsage || !strings.Contains(stderr, "is a file, not a directory") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}
