// Command ledger-node is a Maelstrom node: it runs the ledger's replicated
// consensus code (ledger/replica) as a real process speaking Maelstrom's
// JSON protocol on stdin and stdout, and serves the lin-kv workload.
//
//	maelstrom test -w lin-kv --bin ./bin/ledger-node --node-count 3 \
//	    --concurrency 2n --time-limit 30 --rate 100 --nemesis partition
package main

import (
	"fmt"
	"os"

	mnode "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/faultline/faultline/maelstrom"
)

func main() {
	if len(os.Args) > 1 {
		fmt.Fprintln(os.Stderr, "ledger-node takes no arguments: Maelstrom starts it and talks to it on stdin and stdout")
		os.Exit(2)
	}
	s := maelstrom.NewServer(mnode.NewNode(), maelstrom.Options{})
	if err := s.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "ledger-node: %v\n", err)
		os.Exit(1)
	}
}
