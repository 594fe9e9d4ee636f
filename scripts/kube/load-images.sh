#!/usr/bin/env bash
# Loads images into every real node of the local cluster (what `kind load docker-image` does for
# kind): scripts/images/load.sh imports each into the node's containerd under the name the
# kubelet resolves a manifest's reference to. Usage: load-images.sh IMAGE...
set -euo pipefail
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
(($# > 0)) || { echo "usage: load-images.sh IMAGE..." >&2; exit 2; }
found=0
for socket in /run/mnist-k8s/mnist-worker*/containerd.sock; do
  [[ -S $socket ]] || continue
  found=1
  CONTAINERD_ADDRESS=$socket "$repo/scripts/images/load.sh" "$@"
done
((found)) || { echo "load-images: no node of the local cluster is running (make kube-up)" >&2; exit 1; }
