package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

// traceCommand filters a JSON-lines trace, as `faultline run --trace`
// writes it, by node and simulated time, for reading.
func traceCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("faultline trace", flag.ContinueOnError)
	node := fs.String("node", "", "only entries about this node (as subject or peer)")
	from := fs.String("from", "0s", "only entries at or after this simulated time")
	to := fs.String("to", "", "only entries before this simulated time")
	event := fs.String("event", "", "only entries of this kind (deliver, send, timer, note, fault, crash, ...)")
	flagArgs, files := splitFileArg(args)
	if err := parseFlags(fs, flagArgs, stdout); err != nil {
		return usageExit("trace", err, stderr)
	}
	files = append(files, fs.Args()...)
	if len(files) != 1 {
		fmt.Fprintf(stderr, "faultline trace: want one trace file, got %q; usage: %s\n", files, helpOf("trace").Synopsis)
		return exitUsage
	}
	lo, err1 := time.ParseDuration(*from)
	hi := time.Duration(1<<63 - 1)
	var err2 error
	if *to != "" {
		hi, err2 = time.ParseDuration(*to)
	}
	if err1 != nil || err2 != nil {
		fmt.Fprintln(stderr, "faultline trace: --from and --to take durations like 1.5s")
		return exitUsage
	}
	f, err := os.Open(files[0])
	if err != nil {
		fmt.Fprintf(stderr, "faultline trace: %v\n", err)
		return exitUsage
	}
	defer f.Close()
	return filterTrace(f, stdout, stderr, *node, *event, lo, hi)
}

// splitFileArg lets the file come before the flags, as the README shows.
func splitFileArg(args []string) (flags, files []string) {
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		return args[1:], args[:1]
	}
	return args, nil
}

type traceEntry struct {
	TimeNs int64  `json:"t_ns"`
	Event  string `json:"ev"`
	Node   string `json:"node"`
	Peer   string `json:"peer"`
}

func filterTrace(r io.Reader, stdout, stderr io.Writer, node, event string, lo, hi time.Duration) int {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	line := 0
	for sc.Scan() {
		line++
		var e traceEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			fmt.Fprintf(stderr, "faultline trace: line %d is not a trace entry: %v\n", line, err)
			return exitUsage
		}
		at := time.Duration(e.TimeNs)
		if at < lo || at >= hi || (node != "" && e.Node != node && e.Peer != node) || (event != "" && e.Event != event) {
			continue
		}
		w.Write(sc.Bytes())
		w.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(stderr, "faultline trace: %v\n", err)
		return exitUsage
	}
	return exitPass
}
