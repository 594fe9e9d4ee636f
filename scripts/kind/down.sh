#!/usr/bin/env bash
# `make kind-down`: deletes the kind cluster and everything in it (volumes included).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/kind/common.sh
source scripts/kind/common.sh

require_tool kind "Nothing to delete without kind."
if ! cluster_exists; then
  step "no kind cluster named '$CLUSTER': nothing to delete"
  exit 0
fi
step "deleting kind cluster '$CLUSTER' (Cassandra's data goes with it)"
kind delete cluster --name "$CLUSTER"
