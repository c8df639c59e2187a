// Package checkers decides whether a run passed. Each checker takes what
// the run recorded (client histories, replica observations, final states)
// and returns its verdict with evidence; none of them ever makes a history
// pass by consulting what the simulator knows happened.
package checkers
