// Package cluster runs a replicated cluster inside the simulator: N
// replicas of ledger/replica as simulated nodes, client nodes beside them,
// a supervisor that restarts a replica that stopped on a storage failure,
// and observers that the checkers read (what each replica applied, and the
// digest of its applied log at every index).
//
// It is the bridge between production code and the harness: the replica
// declares the environment it needs (replica.Env) and this package
// implements it over sim.Env. Production code never imports it.
package cluster
