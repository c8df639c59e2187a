package ledger

import (
	"errors"
	"fmt"
)

// Errors Apply returns for malformed commands. Business failures are
// results, not errors.
var (
	ErrUnknownOperation = errors.New("ledger: unknown operation")
	ErrBatchTooLarge    = errors.New("ledger: batch too large")
)

// Apply applies one command at the cluster time timestamp, which the
// replicated log supplies (never a clock read here). Event i of the batch
// gets timestamp base+i, where base is the later of timestamp and one past
// the last event's, so timestamps strictly increase whatever the clocks did.
// Pending transfers whose timeout has passed by base expire first.
func (s *State) Apply(cmd Command, timestamp uint64) (Reply, error) {
	s.decoded.from(&cmd)
	base, results, err := s.apply(&s.decoded, EncodeCommand(cmd), timestamp)
	if err != nil {
		return Reply{}, err
	}
	reply := Reply{Timestamp: base}
	switch cmd.Op {
	case OpCreateAccounts, OpCreateTransfers:
		reply.Results = append(make([]Result, 0, len(results)), results...) // results is the state's scratch
	case OpLookupAccounts:
		for _, id := range cmd.IDs {
			if a, ok := s.LookupAccount(id); ok {
				reply.Accounts = append(reply.Accounts, a)
			}
		}
	case OpLookupTransfers:
		for _, id := range cmd.IDs {
			if t, ok := s.LookupTransfer(id); ok {
				reply.Transfers = append(reply.Transfers, t)
			}
		}
	}
	return reply, nil
}

// ApplyEncoded decodes and applies an encoded command, and returns the
// encoded reply: the bytes EncodeReply gives for the Reply Apply returns.
// The bytes are canonical (decoding rejects any other), so the hash chain
// over them is the one Apply computes. This is the replicas' path, and it
// goes without decimals: the command decodes into buffers the state
// reuses, amounts convert to units straight from their encoding, and the
// reply is encoded from the state's own records, so a command costs one
// allocation (the reply, which the caller keeps) in steady state.
func (s *State) ApplyEncoded(b []byte, timestamp uint64) ([]byte, error) {
	reply, err := s.applyEncoded(s.reply[:0], b, timestamp)
	if err != nil {
		return nil, err
	}
	s.reply = reply // the scratch, kept for the next command's reply
	return append(make([]byte, 0, len(reply)), reply...), nil
}

// AppendApplyEncoded is ApplyEncoded with the reply appended to dst rather
// than allocated: a caller that keeps one reply per client, and lets each
// go when the next arrives (a replica's session), reuses its buffer and
// applies a command without allocating. On error dst is returned as it was.
func (s *State) AppendApplyEncoded(dst, b []byte, timestamp uint64) ([]byte, error) {
	return s.applyEncoded(dst, b, timestamp)
}

// applyEncoded applies an encoded command and returns its encoded reply
// appended to dst, or dst as it was and an error.
func (s *State) applyEncoded(dst, b []byte, timestamp uint64) ([]byte, error) {
	if err := s.decoded.decode(b); err != nil {
		return dst, err
	}
	base, results, err := s.apply(&s.decoded, b, timestamp)
	if err != nil {
		return dst, err
	}
	return s.appendReply(dst, &s.decoded, base, results), nil
}

// apply applies decoded events, encoded as encoded, and returns the batch's
// base timestamp and, for a create command, its results (the state's
// scratch, valid until the next command). A lookup changes nothing: its
// caller reads the state afterwards.
func (s *State) apply(ev *events, encoded []byte, timestamp uint64) (uint64, []Result, error) {
	n := len(ev.accounts) + len(ev.transfers) + len(ev.ids)
	if n > BatchEventsMax {
		return 0, nil, fmt.Errorf("%w: %d events, at most %d", ErrBatchTooLarge, n, BatchEventsMax)
	}
	base := max(timestamp, s.lastTimestamp+1)
	var results []Result
	switch ev.op {
	case OpCreateAccounts:
		s.expireConserving(base)
		accounts := ev.accounts
		results = s.applyBatch(len(accounts),
			func(i int) bool { return accounts[i].Flags&AccountLinked != 0 },
			func(i int) Result {
				r := s.createAccount(&accounts[i], base+uint64(i))
				if r == Ok {
					s.checkNewAccount(accounts[i].ID)
				}
				return r
			})
		s.lastTimestamp = base + uint64(max(len(accounts), 1)) - 1
	case OpCreateTransfers:
		s.expireConserving(base)
		transfers := ev.transfers
		results = s.applyBatch(len(transfers),
			func(i int) bool { return transfers[i].Flags&Linked != 0 },
			func(i int) Result { return s.createTransferConserving(&transfers[i], base+uint64(i)) })
		s.lastTimestamp = base + uint64(max(len(transfers), 1)) - 1
	case OpLookupAccounts, OpLookupTransfers:
		// Nothing changes: the caller reads the state afterwards.
	default:
		return 0, nil, fmt.Errorf("%w: %d", ErrUnknownOperation, ev.op)
	}
	s.settleDigest()
	s.chainNext(encoded, base)
	return base, results, nil
}

// expireConserving expires the pending transfers due by now, and checks
// that releasing them moved no money (see assert_apply.go).
func (s *State) expireConserving(now uint64) {
	if !s.expiryDue(now) {
		return
	}
	var buf [watchEventInline]watchedAccount
	w := s.watchExpiry(buf[:0], now)
	s.expire(now)
	checkConserved(w, "expiry")
}

// createTransferConserving applies one transfer event and checks that it
// moved no money, whatever its result.
func (s *State) createTransferConserving(t *transferEvent, timestamp uint64) Result {
	var buf [watchEventInline]watchedAccount
	w := s.watchTransfer(buf[:0], t)
	r := s.createTransfer(t, timestamp)
	checkConserved(w, "transfer")
	return r
}

// rollbackConserving rolls back the open chain and checks that undoing
// its changes moved no money.
func (s *State) rollbackConserving() {
	var buf [watchEventInline]watchedAccount
	w := s.watchRollback(buf[:0])
	s.rollback()
	checkConserved(w, "rollback")
}

// applyBatch runs n events in order. A run of linked events, ended by the
// first event not linked, is a chain that applies all or none: if an event
// fails, every change of the chain is rolled back, the failing event keeps
// its result and the others get LinkedEventFailed. Within a chain Exists
// counts as a failure, as in TigerBeetle. A chain still open at the end of
// the batch is not applied: its last event gets LinkedEventChainOpen. The
// results are the state's scratch, valid until the next command.
func (s *State) applyBatch(n int, linked func(i int) bool, apply func(i int) Result) []Result {
	results := grow(s.results, n)
	s.results = results
	for i := 0; i < n; {
		if !linked(i) {
			results[i] = apply(i)
			i++
			continue
		}
		end := i
		for end < n && linked(end) {
			end++
		}
		if end == n { // open chain
			for j := i; j < n; j++ {
				results[j] = LinkedEventFailed
			}
			results[n-1] = LinkedEventChainOpen
			break
		}
		s.applyChain(i, end, results, apply)
		i = end + 1
	}
	return results
}

// applyChain applies events first..last as one unit.
func (s *State) applyChain(first, last int, results []Result, apply func(i int) Result) {
	s.recording, s.undo = true, s.undo[:0]
	mark := s.markDigest()
	defer func() { s.recording, s.undo = false, s.undo[:0] }()
	for j := first; j <= last; j++ {
		results[j] = apply(j)
		if results[j] == Ok {
			continue
		}
		s.rollbackConserving()
		s.rollbackDigest(mark)
		for k := first; k <= last; k++ {
			if k != j {
				results[k] = LinkedEventFailed
			}
		}
		return
	}
}
