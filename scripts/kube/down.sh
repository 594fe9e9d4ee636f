#!/usr/bin/env bash
# `make kube-down`: stops the local control plane started by up.sh and removes its state
# (etcd data, certificates, logs, kubeconfig). The built binaries stay in the cache.
set -euo pipefail
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
take_lock
stop_all
rm -rf "$state"
echo "local control plane is down; removed $state"
