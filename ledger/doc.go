// Package ledger is the double-entry ledger the harness exists to prove
// correct: accounts, transfers (simple, two-phase and linked), decimal
// amounts, idempotent events, a hash chain over applied commands, snapshots
// and a canonical checksummed codec.
//
// It is production code: pure and deterministic. It reads no clock (every
// timestamp comes from the replicated log), draws no randomness, starts no
// goroutines, and imports nothing of the harness. Semantics follow
// TigerBeetle's accounts and transfers, which banks already know.
//
// Amounts are shopspring/decimal values at the API and exact 128-bit
// integers of the ledger's smallest unit inside: decimal arithmetic is too
// slow for the hot path, and integers make conservation exact.
// Replicas apply encoded commands (State.ApplyEncoded), and that path
// never builds a decimal: amounts go from their canonical encoding
// straight to units, and replies are encoded from the units.
package ledger
