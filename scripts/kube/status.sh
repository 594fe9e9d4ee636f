#!/usr/bin/env bash
# Exit 0 when the local control plane of up.sh is running and healthy, 1 otherwise (what
# scripts/test.sh asks to decide whether it started the cluster and so must stop it).
set -euo pipefail
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
source "$here/nodes.sh"
for name in "${COMPONENTS[@]}"; do
  pid=$(pid_of "$name") || { echo "kube: $name is not running"; exit 1; }
  echo "kube: $name running (pid $pid)"
done
api "$api_url/readyz" >/dev/null || { echo "kube: API server not ready"; exit 1; }
ready=$(count_ready_nodes)
echo "kube: $ready/$NODE_COUNT nodes Ready; KUBECONFIG=$state/local.kubeconfig"
[[ $ready == "$NODE_COUNT" ]]
