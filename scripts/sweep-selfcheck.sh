#!/bin/sh
# Runs the simulator self-check scenario over a seed range, A-B, and fails
# listing every failing seed with its repro command. It stands in for
# `faultline sweep` until that command lands.
set -eu
range=${1:-1-200}
first=${range%-*}
last=${range#*-}
go build -o bin/ ./cmd/faultline
failed=0
seed=$first
while [ "$seed" -le "$last" ]; do
	if ! ./bin/faultline run --scenario sim-selfcheck --seed "$seed" >/dev/null; then
		echo "FAIL sim-selfcheck seed $seed: repro: faultline run --scenario sim-selfcheck --seed $seed"
		failed=$((failed + 1))
	fi
	seed=$((seed + 1))
done
echo "sim-selfcheck: seeds $range, $failed failed"
[ "$failed" -eq 0 ]
