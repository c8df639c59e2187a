// Package client is the ledger's client library: an exactly-once session
// against a replicated cluster, as a pure event-driven state machine in the
// style of the replica (and of etcd raft's RawNode and Ready). It does no
// I/O and reads no clock: the caller hands it the time with every event,
// delivers the replies it receives and the timer it was asked for, and
// sends the messages the client asks it to send.
//
// The client owns everything a caller would otherwise get wrong: session
// registration (sequence 0), request numbers, retries that resend the very
// same request (same sequence, same command bytes, so the same transfer
// IDs) to other replicas, backoff, leader discovery, the per-attempt
// timeout and the give-up deadline, and eviction. Its one rule is that an
// outcome it cannot know is reported as unknown, never as failed: a
// request that may have applied must be treated by the application as
// possibly applied, and resubmitted only under the same IDs.
//
// It imports only the replica's message types and the standard library, so
// the simulator, the Maelstrom node and a real transport run the same code.
package client
