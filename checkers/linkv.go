package checkers

import (
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/anishathalye/porcupine"
)

// KVInput is one operation of a linearizable key-value history (Maelstrom's
// lin-kv workload): read, write or compare-and-set on an integer register.
type KVInput struct {
	Op    string // "read", "write" or "cas"
	Key   string
	Value int64 // write
	From  int64 // cas
	To    int64 // cas
}

// KVOutput is what the client learned.
type KVOutput struct {
	// Unknown: the client never learned the outcome (a timeout or an
	// indefinite error). The operation may have taken effect at any time
	// after its call, or never; record it with a return time after every
	// other operation.
	Unknown bool
	// Missing: the key did not exist (read or cas answered error 20).
	Missing bool
	// Failed: a cas whose precondition did not hold (error 22).
	Failed bool
	// Value: what a read returned.
	Value int64
}

// kvState is one register: the model is partitioned by key, so each
// partition's state is a single register.
type kvState struct {
	exists bool
	value  int64
}

// KVModel is the Porcupine model of a linearizable key-value store,
// partitioned by key so that each register is checked on its own.
var KVModel = porcupine.Model{
	Partition: partitionByKey,
	Init:      func() any { return kvState{} },
	Step:      kvStep,
	Hash: func(state any) uint64 {
		s := state.(kvState)
		h := fnv.New64a()
		fmt.Fprintf(h, "%v/%d", s.exists, s.value)
		return h.Sum64()
	},
	DescribeOperation: describeKV,
	DescribeState: func(state any) string {
		s := state.(kvState)
		if !s.exists {
			return "∅"
		}
		return fmt.Sprint(s.value)
	},
}

func kvStep(state, input, output any) (bool, any) {
	s, in, out := state.(kvState), input.(KVInput), output.(KVOutput)
	switch in.Op {
	case "read":
		if out.Unknown {
			return true, s
		}
		if out.Missing {
			return !s.exists, s
		}
		return s.exists && s.value == out.Value, s
	case "write":
		return true, kvState{exists: true, value: in.Value}
	case "cas":
		matches := s.exists && s.value == in.From
		switch {
		case out.Unknown:
			if matches {
				return true, kvState{exists: true, value: in.To}
			}
			return true, s
		case out.Missing:
			return !s.exists, s
		case out.Failed:
			return s.exists && s.value != in.From, s
		}
		return matches, kvState{exists: true, value: in.To}
	}
	return false, s
}

func partitionByKey(history []porcupine.Operation) [][]porcupine.Operation {
	byKey := map[string][]porcupine.Operation{}
	for _, op := range history {
		k := op.Input.(KVInput).Key
		byKey[k] = append(byKey[k], op)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys) // partitions in a stable order, for stable reports
	out := make([][]porcupine.Operation, 0, len(keys))
	for _, k := range keys {
		out = append(out, byKey[k])
	}
	return out
}

func describeKV(input, output any) string {
	in, out := input.(KVInput), output.(KVOutput)
	var res string
	switch {
	case out.Unknown:
		res = "?"
	case out.Missing:
		res = "missing"
	case out.Failed:
		res = "failed"
	case in.Op == "read":
		res = fmt.Sprint(out.Value)
	default:
		res = "ok"
	}
	switch in.Op {
	case "read":
		return fmt.Sprintf("read(%s) -> %s", in.Key, res)
	case "write":
		return fmt.Sprintf("write(%s, %d) -> %s", in.Key, in.Value, res)
	}
	return fmt.Sprintf("cas(%s, %d->%d) -> %s", in.Key, in.From, in.To, res)
}
