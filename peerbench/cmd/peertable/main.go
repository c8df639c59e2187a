// Command peertable reads the output of the peer benchmarks (go test
// -bench=Replicate -benchmem, any number of runs of each module, in any
// order) and prints the median of every figure per implementation and
// cluster size, side by side, with ours relative to each peer.
//
//	peertable bench.txt...   (or the output on standard input)
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
)

// units are the figures printed, in order, as go test names them.
var units = []string{"cpu_ns/entry", "ns/op", "B/op", "allocs/op", "msgs/entry", "wireB/entry"}

// key is one benchmark of one implementation: the package's last path
// element (ours, etcd36, etcd37) and the benchmark's name.
type key struct{ impl, bench string }

func main() {
	samples := map[key]map[string][]float64{}
	var order []key
	read := func(r io.Reader) error {
		impl := ""
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			line := sc.Text()
			if p, ok := strings.CutPrefix(line, "pkg: "); ok {
				impl = path.Base(strings.TrimSpace(p))
				continue
			}
			f := strings.Fields(line)
			if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
				continue
			}
			k := key{impl, trimProcs(f[0])}
			if samples[k] == nil {
				samples[k] = map[string][]float64{}
				order = append(order, k)
			}
			for i := 2; i+1 < len(f); i += 2 { // value unit pairs after the iteration count
				if v, err := strconv.ParseFloat(f[i], 64); err == nil {
					samples[k][f[i+1]] = append(samples[k][f[i+1]], v)
				}
			}
		}
		return sc.Err()
	}
	if len(os.Args) == 1 {
		if err := read(os.Stdin); err != nil {
			fail(err)
		}
	}
	for _, name := range os.Args[1:] {
		f, err := os.Open(name)
		if err != nil {
			fail(err)
		}
		err = read(f)
		f.Close()
		if err != nil {
			fail(err)
		}
	}
	printTable(samples, order)
}

// trimProcs drops the -GOMAXPROCS suffix go test adds to a benchmark's
// name when GOMAXPROCS is not 1.
func trimProcs(name string) string {
	i := strings.LastIndex(name, "-")
	if i < 0 {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}

// printTable writes one table row per benchmark, grouped by benchmark name.
func printTable(samples map[key]map[string][]float64, order []key) {
	slices.SortStableFunc(order, func(a, b key) int { return strings.Compare(a.bench, b.bench) })
	fmt.Printf("| benchmark | impl | runs | CPU ns/entry | wall ns/entry | B/entry | allocs/entry | msgs/entry | wire B/entry | ours/impl CPU |\n")
	fmt.Printf("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, k := range order {
		s := samples[k]
		row := fmt.Sprintf("| %s | %s | %d |", strings.TrimPrefix(k.bench, "Benchmark"), k.impl, len(s["ns/op"]))
		for _, u := range units {
			row += " " + format(median(s[u])) + " |"
		}
		ratio := "-"
		if ours := samples[key{"ours", oursBench(k.bench)}]; ours != nil && k.impl != "ours" {
			ratio = fmt.Sprintf("%.2f", median(ours[units[0]])/median(s[units[0]]))
		}
		fmt.Println(row, ratio, "|")
	}
}

// oursBench is the benchmark of ours that bench compares with: the same
// cluster size (its first two path elements), since ours has no variants
// of how a peer is driven (etcd's ready=each and ready=batched).
func oursBench(bench string) string {
	parts := strings.SplitN(bench, "/", 3)
	return strings.Join(parts[:min(2, len(parts))], "/")
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Sorted(slices.Values(v))
	if n := len(v); n%2 == 0 {
		return (v[n/2-1] + v[n/2]) / 2
	}
	return v[len(v)/2]
}

func format(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "peertable:", err)
	os.Exit(1)
}
