package main

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/faultline/faultline/reports"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/repro"
)

// majorityLost fails liveness on the real code: three of baseline's five
// replicas crash for good, so nothing commits after the heal at 3s.
const majorityLost = `{"faults":[{"at":"2s","kind":"crash","node":"n1"},{"at":"2s","kind":"crash","node":"n2"},` +
	`{"at":"2s","kind":"crash","node":"n3"},{"at":"3s","kind":"heal"}]}`

// TestEveryStoredReproCommandReproduces runs every kind of repro command
// faultline prints or stores, as written: parsed like a shell would and
// executed through the CLI's own entry point. Each must give the verdict
// and trace hash recorded beside it. No seed fails on the real code, so
// the failures come from a schedule (a lost majority) and from parameters
// (elections slower than the run) that do.
func TestEveryStoredReproCommandReproduces(t *testing.T) {
	t.Chdir(t.TempDir())
	writeTestFile(t, "majority-lost.json", majorityLost)
	writeTestFile(t, "slow-elections.json", slowElections(t, "leader-crash", 1))

	// A run with a schedule: the command it prints, and its bundle's.
	rec := runRecord(t, "run", "--scenario", "baseline", "--seed", "1", "--schedule", "majority-lost.json", "--bundles", "out")
	mustReproduce(t, "printed, with a schedule", rec.Repro, "fail", rec.TraceHash)
	b := readTestBundle(t, rec.Bundle)
	mustReproduce(t, "stored, with a schedule", b.Repro, "fail", b.TraceHash)

	// Its shrunk bundle: the command reproduces the shrunk run.
	if code, out, errOut := runCLI("shrink", "--runs", "100", rec.Bundle); code != exitViolated {
		t.Fatalf("shrink: exit %d\n%s%s", code, out, errOut)
	}
	shrunk := readTestBundle(t, repro.ShrunkDir(rec.Bundle))
	if shrunk.TraceHash == b.TraceHash || !strings.Contains(shrunk.Repro, repro.ShrunkDir(rec.Bundle)) {
		t.Errorf("the shrunk bundle stores %q, trace %s: not its own run", shrunk.Repro, shrunk.TraceHash)
	}
	mustReproduce(t, "stored, shrunk", shrunk.Repro, "fail", shrunk.TraceHash)

	// A run with parameters of its own and the seed's schedule.
	rec = runRecord(t, "run", "--scenario", "leader-crash", "--seed", "1", "--parameters", "slow-elections.json", "--bundles", "out")
	mustReproduce(t, "printed, with parameters", rec.Repro, "fail", rec.TraceHash)
	b = readTestBundle(t, rec.Bundle)
	if strings.Contains(b.Repro, "--schedule") {
		t.Errorf("the seed's own schedule is named as a file: %s", b.Repro)
	}
	mustReproduce(t, "stored, with parameters", b.Repro, "fail", b.TraceHash)

	// The plain form, on a run that passes (no seed fails on the real code).
	rec = runRecord(t, "run", "--scenario", "leader-crash", "--seed", "2")
	plain := scenarios.ReproCommand(scenarios.Invocation{Scenario: "leader-crash", Seed: 2})
	mustReproduce(t, "plain", plain, "pass", rec.TraceHash)
}

// TestAMutantsReproCommandsNameItsBuild: a run of a mutant's build (here
// the real code labelled as one, as -ldflags -X would) prints and stores
// commands that build that mutant and run its binary, with every flag the
// run needed; run in this process, which is that binary, they reproduce.
func TestAMutantsReproCommandsNameItsBuild(t *testing.T) {
	t.Chdir(t.TempDir())
	saved := scenarios.Mutant
	scenarios.Mutant = "commit-without-quorum"
	t.Cleanup(func() { scenarios.Mutant = saved })
	writeTestFile(t, "majority-lost.json", majorityLost)

	rec := runRecord(t, "run", "--scenario", "baseline", "--seed", "1", "--schedule", "majority-lost.json", "--bundles", "out")
	b := readTestBundle(t, rec.Bundle)
	for name, cmd := range map[string]string{"printed": rec.Repro, "stored": b.Repro} {
		build, _, ok := strings.Cut(cmd, " && ")
		if !ok || build != scenarios.MutantBuildCommand("commit-without-quorum") {
			t.Errorf("%s: %q does not build the mutant first", name, cmd)
		}
		mustReproduce(t, name+", a mutant's", cmd, "fail", b.TraceHash)
	}
}

// TestShellSplitReadsWhatReproCommandQuotes: a path with a space or a
// quote survives the round trip through a command line.
func TestShellSplitReadsWhatReproCommandQuotes(t *testing.T) {
	inv := scenarios.Invocation{Scenario: "baseline", Seed: 7, ScheduleFile: "my runs/it's.json"}
	got := shellSplit(t, scenarios.ReproCommand(inv))
	want := []string{"faultline", "run", "--scenario", "baseline", "--seed", "7", "--schedule", "my runs/it's.json"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("split %q, want %q", got, want)
	}
}

// mustReproduce runs a repro command as written, in this process, and
// checks its verdict and trace hash.
func mustReproduce(t *testing.T, what, cmd, verdict, traceHash string) {
	t.Helper()
	if cmd == "" {
		t.Errorf("%s: no repro command", what)
		return
	}
	if _, last, ok := strings.Cut(cmd, " && "); ok {
		cmd = last // the mutant's build step: this test binary is the build
	}
	args := shellSplit(t, cmd)
	if args[0] != scenarios.Binary() {
		t.Errorf("%s: %q runs %s, not this binary (%s)", what, cmd, args[0], scenarios.Binary())
		return
	}
	_, out, errOut := runCLI(args[1:]...)
	head := regexp.MustCompile(`(?m)^scenario \S+ seed \d+: (\w+)$`).FindStringSubmatch(out)
	if head == nil || head[1] != verdict || hashOf(out) != traceHash {
		t.Errorf("%s: %s\ngave %q, trace %q; want %s, trace %s\n%s%s", what, cmd, head, hashOf(out), verdict, traceHash, out, errOut)
	}
}

// shellSplit splits a command line as a POSIX shell does for the words
// ReproCommand writes: blanks between words, single quotes around a word
// that needs them, and a backslash outside quotes for a literal character
// (a quote inside a quoted word is written '\”).
func shellSplit(t *testing.T, cmd string) []string {
	t.Helper()
	var words []string
	var word strings.Builder
	inWord, quoted, escaped := false, false, false
	for _, r := range cmd {
		switch {
		case escaped:
			word.WriteRune(r)
			escaped = false
		case r == '\'':
			quoted, inWord = !quoted, true
		case r == '\\' && !quoted:
			escaped, inWord = true, true
		case r == ' ' && !quoted:
			if inWord {
				words = append(words, word.String())
				word.Reset()
			}
			inWord = false
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	if quoted || escaped {
		t.Fatalf("unterminated quote or escape in %q", cmd)
	}
	if inWord {
		words = append(words, word.String())
	}
	return words
}

func runRecord(t *testing.T, args ...string) reports.RunRecord {
	t.Helper()
	code, out, errOut := runCLI(append(args, "--json")...)
	var rec reports.RunRecord
	if err := json.Unmarshal([]byte(out), &rec); err != nil || code == exitUsage {
		t.Fatalf("%v: exit %d: %v\n%s%s", args, code, err, out, errOut)
	}
	return rec
}

func readTestBundle(t *testing.T, dir string) *repro.Bundle {
	t.Helper()
	b, err := repro.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// slowElections is the parameters file of a seed's own knobs but for an
// election timeout of 1000 ticks, longer than the run: no leader is ever
// elected, nothing commits, and liveness fails.
func slowElections(t *testing.T, scenario string, seed uint64) string {
	sc, _ := scenarios.Lookup(scenario)
	p := scenarios.DrawParameters(seed, &sc)
	p.ElectionTicks = 1000
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
