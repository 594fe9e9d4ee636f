#!/usr/bin/env bash
# Exit 0 when the local cluster of up.sh is running and healthy: every component alive, the API
# server ready, every node (real and KWOK) Ready. scripts/test.sh asks it to decide whether it
# started the cluster and so must stop it.
set -euo pipefail
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
source "$here/nodes.sh"
components=("${CONTROL_PLANE[@]}")
for ((i = 1; i <= REAL_NODES; i++)); do read -ra more <<<"$(node_components "$i")"; components+=("${more[@]}"); done
for name in "${components[@]}"; do
  pid=$(pid_of "$name") || { echo "kube: $name is not running"; exit 1; }
  echo "kube: $name running (pid $pid)"
done
api "$api_url/readyz" >/dev/null || { echo "kube: API server not ready"; exit 1; }
ready=$(count_ready_nodes)
echo "kube: $ready/$((REAL_NODES + KWOK_NODES)) nodes Ready ($REAL_NODES real, $KWOK_NODES KWOK); KUBECONFIG=$state/local.kubeconfig"
[[ $ready == "$((REAL_NODES + KWOK_NODES))" ]]
