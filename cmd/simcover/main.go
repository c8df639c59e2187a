// Command simcover summarizes a Go coverage profile gathered from
// simulation runs: statement coverage per package and the blocks no run
// reached, so that `make coverage` shows what of the production code the
// scenario sweep alone exercises (unit tests excluded).
//
//	simcover -profile bin/coverage/profile.txt -pkg ./ledger,./ledger/replica
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
)

// modulePath is this module's import path: -pkg takes paths relative to it.
const modulePath = "github.com/faultline/faultline"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simcover", flag.ContinueOnError)
	fs.SetOutput(stderr)
	profile := fs.String("profile", "", "a text coverage profile (go tool covdata textfmt)")
	pkgs := fs.String("pkg", "./ledger,./ledger/replica", "comma-separated packages to report, relative to the module")
	blocksMax := fs.Int("uncovered", 40, "uncovered blocks to list per package (0: none, -1: all)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *profile == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "simcover: need -profile FILE and no other arguments")
		return 2
	}
	f, err := os.Open(*profile)
	if err != nil {
		fmt.Fprintf(stderr, "simcover: %v\n", err)
		return 2
	}
	defer f.Close()
	blocks, err := parseProfile(f)
	if err != nil {
		fmt.Fprintf(stderr, "simcover: %s: %v\n", *profile, err)
		return 2
	}
	for _, p := range strings.Split(*pkgs, ",") {
		pkg := path.Join(modulePath, strings.TrimPrefix(strings.TrimSpace(p), "./"))
		report(stdout, pkg, blocks, *blocksMax)
	}
	return 0
}

// block is one basic block of a profile: where it is, how many statements
// it holds and whether any run reached it.
type block struct {
	file               string // import path of the package + "/" + file name
	startLine, endLine int
	startCol, endCol   int
	statements         int
	covered            bool
}

// parseProfile reads a text profile ("mode: set" then
// "file:l1.c1,l2.c2 statements count" lines), merging a block that
// appears more than once (one line per run or per binary): reached once is
// reached.
func parseProfile(r io.Reader) ([]block, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "mode: ") {
		return nil, errors.New("not a coverage profile: the first line must be \"mode: ...\"")
	}
	index := map[string]int{}
	var out []block
	for line := 2; sc.Scan(); line++ {
		b, key, err := parseBlock(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if i, seen := index[key]; seen {
			out[i].covered = out[i].covered || b.covered
			continue
		}
		index[key] = len(out)
		out = append(out, b)
	}
	return out, sc.Err()
}

func parseBlock(s string) (block, string, error) {
	colon := strings.LastIndexByte(s, ':')
	fields := strings.Fields(s[colon+1:])
	if colon < 0 || len(fields) != 3 {
		return block{}, "", fmt.Errorf("malformed block %q", s)
	}
	var b block
	b.file = s[:colon]
	_, err := fmt.Sscanf(fields[0], "%d.%d,%d.%d", &b.startLine, &b.startCol, &b.endLine, &b.endCol)
	if err != nil {
		return block{}, "", fmt.Errorf("malformed range %q: %w", fields[0], err)
	}
	if b.statements, err = strconv.Atoi(fields[1]); err != nil {
		return block{}, "", fmt.Errorf("malformed statement count %q", fields[1])
	}
	count, err := strconv.ParseInt(fields[2], 10, 64)
	if err != nil {
		return block{}, "", fmt.Errorf("malformed count %q", fields[2])
	}
	b.covered = count > 0
	return b, b.file + ":" + fields[0], nil
}

// report prints pkg's statement coverage and its first uncovered blocks,
// in file and line order.
func report(w io.Writer, pkg string, blocks []block, blocksMax int) {
	var total, covered int
	var missed []block
	for _, b := range blocks {
		if path.Dir(b.file) != pkg {
			continue
		}
		total += b.statements
		if b.covered {
			covered += b.statements
		} else {
			missed = append(missed, b)
		}
	}
	name := strings.TrimPrefix(pkg, modulePath+"/")
	if total == 0 {
		fmt.Fprintf(w, "%s: no statements in the profile (was the binary built with -coverpkg for it?)\n", name)
		return
	}
	fmt.Fprintf(w, "%s: %d of %d statements reached by simulation, %.1f%%\n",
		name, covered, total, 100*float64(covered)/float64(total))
	slices.SortFunc(missed, func(a, b block) int {
		if c := strings.Compare(a.file, b.file); c != 0 {
			return c
		}
		return a.startLine - b.startLine
	})
	for i, b := range missed {
		if blocksMax >= 0 && i == blocksMax {
			fmt.Fprintf(w, "  ... and %d more uncovered blocks\n", len(missed)-i)
			break
		}
		fmt.Fprintf(w, "  %s:%d-%d (%d statements)\n", strings.TrimPrefix(b.file, modulePath+"/"),
			b.startLine, b.endLine, b.statements)
	}
}
