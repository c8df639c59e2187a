// Command ledger-node is a Maelstrom node: it runs the ledger's replicated
// consensus code (ledger/replica) as a real process speaking Maelstrom's
// JSON protocol on stdin and stdout, and serves the lin-kv workload and
// the ledger RPCs.
//
//	ledger-node [--data-dir DIR]
//
// With --data-dir the node keeps its WAL and snapshots in files under
// DIR/<node_id> (fsynced), and a node killed and restarted on the same DIR
// recovers; every node of a cluster may be given the same DIR.
// Without it the node's state lives in memory only and dies with it.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/faultline/faultline/maelstrom"
)

func main() { os.Exit(run(os.Args[1:], os.Stderr)) }

func run(args []string, stderr io.Writer) int {
	flags := flag.NewFlagSet("ledger-node", flag.ContinueOnError)
	flags.SetOutput(stderr)
	dataDir := flags.String("data-dir", "", "keep the replica's WAL and snapshots under DIR/<node_id> (created if missing), so that a restarted node recovers; without it, state is volatile")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: ledger-node [--data-dir DIR]\nMaelstrom starts it and talks to it on stdin and stdout.")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if flags.NArg() > 0 {
		flags.Usage()
		return 2
	}
	if *dataDir == "" {
		fmt.Fprintln(stderr, "ledger-node: no --data-dir: state is volatile, in memory only; a killed or restarted node comes back blank "+
			"and abstains from votes and elections until a leader has caught it up (a new cluster elects its first node, with every node's vote); "+
			"losing a majority at once stalls the cluster, and losing every node loses every acknowledged write")
	}
	s := maelstrom.NewServer(maelstrom.Options{DataDir: *dataDir})
	if err := s.Run(); err != nil {
		fmt.Fprintf(stderr, "ledger-node: %v\n", err)
		return 1
	}
	return 0
}
