// Package faults turns the fault model into data: every fault the
// simulator can inject as a JSON-friendly value, schedules of timed faults
// that a seed generates and a file replays, random nemesis generators with
// a fault budget, swarm testing, and the injector that applies a schedule
// to a running simulation.
package faults
