#!/usr/bin/env bash
# Writes what the local cluster knows into a directory, for a post-mortem after a failed run:
# nodes, pods, events, and every container's log (the previous run's too, after a restart).
# Usage: dump.sh DIR   (KUBECONFIG defaults to the local cluster's)
set -uo pipefail
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
dir=${1:?usage: dump.sh DIR}
mkdir -p "$dir"
export KUBECONFIG=${KUBECONFIG:-$repo/.kube/local.kubeconfig}
k() { "$KUBE_BIN/kubectl" --request-timeout=20s "$@"; }
k get nodes -o wide >"$dir/nodes.txt" 2>&1
k get all,pvc,pv -A -o wide >"$dir/objects.txt" 2>&1
k get events -A --sort-by=.lastTimestamp >"$dir/events.txt" 2>&1
k get pods -A -o jsonpath='{range .items[*]}{.metadata.namespace}{" "}{.metadata.name}{"\n"}{end}' 2>/dev/null |
  while read -r namespace pod; do
    k describe pod -n "$namespace" "$pod" >"$dir/$namespace.$pod.describe.txt" 2>&1
    k logs -n "$namespace" "$pod" --all-containers --prefix --tail=500 >"$dir/$namespace.$pod.log" 2>&1
    k logs -n "$namespace" "$pod" --all-containers --prefix --tail=500 --previous >"$dir/$namespace.$pod.previous.log" 2>/dev/null ||
      rm -f "$dir/$namespace.$pod.previous.log"
  done
echo "cluster state written to $dir"
