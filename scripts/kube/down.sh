#!/usr/bin/env bash
# `make kube-down`: stops the local cluster of up.sh and leaves the host as it was before it:
# no processes (pods, containerd shims included), mounts, network namespaces, cgroups or
# changed sysctls; removes its state (etcd data, certificates, logs, kubeconfig, volumes).
# The built binaries and images stay in the cache. --locked: the caller holds the lock already.
set -euo pipefail
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
source "$here/network.sh"
source "$here/real-node.sh"
source "$here/host-state.sh"
[[ ${1:-} == --locked ]] || take_lock

# Real nodes first (their kubelets would otherwise keep restarting pods), whatever their count.
for dir in "$state"/nodes/*/; do
  [[ -d $dir ]] || continue
  name=$(basename "$dir")
  i=${name#mnist-worker}; i=${i:-1}
  stop_real_node "$i"
done
for ((c = ${#CONTROL_PLANE[@]} - 1; c >= 0; c--)); do stop_component "${CONTROL_PLANE[c]}"; done
delete_network
# Cgroups of nodes whose state directory was already gone (a crash between two steps).
remove_cgroups "$CGROUP_PARENT"
restore_host_state
rm -rf "$state" /run/mnist-k8s
echo "local cluster is down; removed $state"
