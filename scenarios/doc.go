// Package scenarios is the catalog of named fault scenarios and the
// machinery that runs one: a simulated cluster of ledger replicas, a bank
// workload of clients recording a history, a fault schedule, and the
// checkers that decide the run.
package scenarios
