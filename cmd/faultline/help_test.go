package main

import (
	"strings"
	"testing"
)

// Help asked for is not an error: every command's -h, --help and
// `faultline help CMD` print its usage, flags described, on stdout and
// exit 0, with nothing on stderr.
func TestEveryCommandsHelpGoesToStdoutWithExitZero(t *testing.T) {
	for _, c := range commands() {
		for _, args := range [][]string{{c.name, "-h"}, {c.name, "--help"}, {"help", c.name}} {
			code, out, errOut := runCLI(args...)
			if code != exitPass || errOut != "" || !strings.HasPrefix(out, "usage: faultline "+c.name) || !strings.Contains(out, c.summary) {
				t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
			}
		}
	}
	if _, out, _ := runCLI("run", "-h"); !strings.Contains(out, "--seed string\n      root seed") {
		t.Errorf("run -h does not describe --seed:\n%s", out)
	}
}

func TestHelpAloneAndVersionFlags(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		if code, out, _ := runCLI(args...); code != exitPass || !strings.Contains(out, "commands:") {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
	for _, args := range [][]string{{"--version"}, {"-version"}, {"version"}} {
		if code, out, errOut := runCLI(args...); code != exitPass || !strings.HasPrefix(out, "faultline ") || errOut != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}

// A typo gets exit 2, nothing on stdout, and the word it was likely
// meant to be on stderr: for a command, a help topic, a flag and a
// scenario name (run's, schedule's and each of sweep's list).
func TestTyposGetADidYouMean(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"swep"}, `unknown command "swep" (did you mean "sweep"?)`},
		{[]string{"help", "reoprt"}, `unknown command "reoprt" (did you mean "report"?)`},
		{[]string{"run", "--sede", "3"}, "unknown flag --sede (did you mean --seed?)"},
		{[]string{"sweep", "--seeds", "1-2", "--paralel", "1"}, "unknown flag --paralel (did you mean --parallel?)"},
		{[]string{"run", "--scenario", "leader-crsh"}, `unknown scenario "leader-crsh" (did you mean "leader-crash"?)`},
		{[]string{"schedule", "--scenario", "swram"}, `unknown scenario "swram" (did you mean "swarm"?)`},
		{[]string{"sweep", "--scenario", "baseline,leader-crsh"}, `unknown scenario "leader-crsh" (did you mean "leader-crash"?)`},
		{[]string{"sweep", "--scenario", "al"}, `unknown scenario "al" (did you mean "all"?)`},
		{[]string{"help", "frobnicate"}, `unknown command "frobnicate"; run 'faultline help'`},
	} {
		code, out, errOut := runCLI(tc.args...)
		if code != exitUsage || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

func TestSweepTakesAListOfScenarios(t *testing.T) {
	f, err := parseSweepFlags([]string{"--scenario", "leader-crash, baseline,leader-crash"}, nil)
	if err != nil || strings.Join(f.scenarios, " ") != "leader-crash baseline" {
		t.Fatalf("%v, %v", f.scenarios, err)
	}
}
