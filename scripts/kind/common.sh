# Shared by scripts/kind/up.sh and down.sh (sourced, not run).
# shellcheck shell=bash

CLUSTER="${KIND_CLUSTER:-mnist}"
# NAMESPACE and CONTEXT are used by the scripts that source this file.
# shellcheck disable=SC2034
NAMESPACE="${NAMESPACE:-mnist}"
# shellcheck disable=SC2034
CONTEXT="kind-$CLUSTER"

step() { printf '\n==> %s\n' "$*"; }
fail() { printf '\nkind: %s\n' "$*" >&2; exit 1; }

# require_tool NAME HINT: stop with an install hint when a command is missing.
require_tool() {
  command -v "$1" >/dev/null 2>&1 || fail "'$1' is not installed or not on PATH. $2"
}

cluster_exists() {
  kind get clusters 2>/dev/null | grep -qx "$CLUSTER"
}
