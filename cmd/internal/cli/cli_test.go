package cli

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
)

func TestSuggestFindsTyposAndNothingElse(t *testing.T) {
	commands := []string{"scenarios", "run", "schedule", "sweep", "repro", "shrink", "trace", "report", "version"}
	for _, tc := range []struct {
		word, want string
	}{
		{"swep", "sweep"},         // a letter left out
		{"sweeep", "sweep"},       // one too many
		{"rpeort", "report"},      // two neighbours swapped: one edit
		{"Sweep", "sweep"},        // case is not a typo
		{"scenario", "scenarios"}, // the singular
		{"leader-crsh", "leader-crash"},
		{"frobnicate", ""}, // nothing like it
		{"x", ""},          // one edit from "run" is not enough when it is all three
		{"trace", "trace"}, // itself
	} {
		candidates := append(commands, "leader-crash")
		got, ok := Suggest(tc.word, candidates)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("Suggest(%q) = %q, %v; want %q", tc.word, got, ok, tc.want)
		}
	}
}

func TestSuggestBreaksTiesByCandidateOrder(t *testing.T) {
	// "rum" is one edit from both "run" and "rut": the first listed wins, whatever the order of a map behind it.
	if got, _ := Suggest("rum", []string{"run", "rut"}); got != "run" {
		t.Fatalf("got %q", got)
	}
}

func TestEditDistanceCountsASwapAsOneEdit(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"seed", "sede", 1}, {"seed", "", 4}, {"kitten", "sitting", 3}, {"ab", "ba", 1}} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func newFlags() *flag.FlagSet {
	fs := flag.NewFlagSet("tool run", flag.ContinueOnError)
	fs.Uint64("seed", 1, "root seed")
	fs.String("scenario", "baseline", "scenario to run")
	fs.Bool("json", false, "print JSON")
	return fs
}

func TestParseHelpPrintsEveryFlagOnStdout(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		var out bytes.Buffer
		err := Parse(newFlags(), []string{arg}, Help{Synopsis: "tool run [flags]", Summary: "run it"}, &out)
		if !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("%s: %v, want ErrHelp", arg, err)
		}
		for _, want := range []string{"usage: tool run [flags]", "run it", "--seed uint", "root seed (default: 1)", "--json\n", "(default: baseline)"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s: usage lacks %q:\n%s", arg, want, out.String())
			}
		}
	}
}

func TestParseNamesTheFlagATypoMeant(t *testing.T) {
	var out bytes.Buffer
	err := Parse(newFlags(), []string{"--sede", "3"}, Help{}, &out)
	if err == nil || err.Error() != "unknown flag --sede (did you mean --seed?); -h lists the flags" {
		t.Fatalf("got %v", err)
	}
	if out.Len() != 0 {
		t.Errorf("an error printed on stdout: %q", out.String())
	}
	if err := Parse(newFlags(), []string{"--verbose"}, Help{}, &out); err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("a flag like none of them: %v", err)
	}
	if err := Parse(newFlags(), []string{"--seed", "x"}, Help{}, &out); err == nil || !strings.Contains(err.Error(), "invalid value") {
		t.Errorf("a bad value: %v", err)
	}
}
