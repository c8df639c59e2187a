#!/bin/sh
# Runs the sharded sweep on Kubernetes in its only working order and waits
# for it: build and push the image for this commit, create the volume, run
# the shards, wait as long as they are measured to take, then render the
# report. From the root of a clone:
#
#   examples/kubernetes/run.sh registry.example.com
#
# Needs docker (logged in to the registry) and kubectl (pointed at the
# cluster). The report lands on the volume, in /results/report; the exit
# code is the report Job's verdict (non-zero on a failed run, a breached
# tolerance or a Job that did not finish).
set -eu
if [ $# -ne 1 ]; then
	echo "usage: $0 REGISTRY   (e.g. $0 registry.example.com/team)" >&2
	exit 2
fi
registry=$1
here=$(dirname "$0")

# The figures sweep-job.yaml is written for; keep them in step with it.
scenarios=20         # faultline scenarios | wc -l
seeds=20000          # --seeds 1-20000
shards=8             # completions
cpus=2               # the CPU request of a shard
# CPU seconds a run takes, measured (see sweep-job.yaml); thousandths.
cpu_millis_per_run=143

runs_per_shard=$((scenarios * seeds / shards))
shard_seconds=$((runs_per_shard * cpu_millis_per_run / 1000 / cpus))
wait_seconds=$((2 * shard_seconds + 600)) # twice the measure, and ten minutes to schedule pods
echo "a shard runs $runs_per_shard runs, measured to take ${shard_seconds}s; waiting up to ${wait_seconds}s"

image="$registry/faultline:$(git rev-parse --short=12 HEAD)"
docker build -f "$here/Dockerfile" -t "$image" .
docker push "$image"

kubectl apply -f "$here/volume.yaml"
kubectl wait --for=jsonpath='{.status.phase}'=Bound pvc/faultline-results --timeout=10m
sed "s|image: IMAGE|image: $image|" "$here/sweep-job.yaml" | kubectl apply -f -
kubectl wait --for=condition=complete job/faultline-sweep --timeout="${wait_seconds}s"
sed "s|image: IMAGE|image: $image|" "$here/report-job.yaml" | kubectl apply -f -
if kubectl wait --for=condition=complete job/faultline-report --timeout=30m; then
	echo "report: every run passed and every tolerance held (/results/report on the volume)"
else
	kubectl logs job/faultline-report >&2 || true
	echo "report: failed runs or breached tolerances, see /results/report on the volume" >&2
	exit 1
fi
