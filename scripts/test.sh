#!/usr/bin/env bash
# The whole test suite, as `make test` and CI run it, on a fresh machine or a warm one:
#  1. install what tests need (Chromium, helm, kubernetes-validate) and start real services
#     (3 local Cassandra nodes, a local kube control plane) in parallel;
#  2. meanwhile typecheck everything (tests included) and run the unit tests;
#  3. then the integration tests, one file at a time;
#  4. then the cluster tests: the release deployed on the local cluster's real nodes (real
#     images, real Cassandra pods), a person's path through port-forward, replays and faults;
#  5. stop what this run started and check that the host is as it was before the cluster;
#  6. print one summary line: "N passed, N failed".
# Services this script started are stopped at the end; ones already running are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .artifacts
log() { printf '\n== %s\n' "$*"; }

# One `make test` at a time on a machine, whichever checkout runs it: the local Cassandra nodes
# (127.0.0.1-3), the cluster's namespaces and addresses are machine-wide, and a second run would
# take the first one's cluster down under it. A second run waits (at most 50 min) and says so.
# Children get `8>&-`: a service that outlives this script must not keep the lock.
suite_lock=/tmp/mnist-k8s-test.lock
exec 8>>"$suite_lock"
if ! flock -n 8; then
  echo "another make test is running on this machine ($(cat "$suite_lock.owner" 2>/dev/null || echo unknown)); waiting for it to finish"
  flock -w 3000 8 || { echo "it did not finish within 50 min: giving up"; echo "0 passed, 1 failed"; exit 1; }
fi
echo "pid $$ in $PWD since $(date -u +%H:%M:%SZ)" >"$suite_lock.owner"

started=()
integration_status=0
# down.sh removes the services' state, logs included: keep this run's logs for a post-mortem.
LOGS_KEPT=.artifacts/service-logs
rm -rf "$LOGS_KEPT"
keep_service_logs() { # copies what is there now (called before each service stops)
  local f
  mkdir -p "$LOGS_KEPT"
  for f in .cassandra/node*/logs/system.log; do
    [[ -f $f ]] && cp "$f" "$LOGS_KEPT/cassandra-$(basename "$(dirname "$(dirname "$f")")").log"
  done
  for f in .kube/logs/*.log; do [[ -f $f ]] && cp "$f" "$LOGS_KEPT/kube-$(basename "$f")"; done
  return 0
}
cleanup() {
  keep_service_logs || true
  for svc in "${started[@]}"; do
    case "$svc" in
      cassandra) scripts/cassandra/down.sh >/dev/null 2>&1 || true ;;
      kube) scripts/kube/down.sh >/dev/null 2>&1 || true ;;
    esac
  done
}
trap cleanup EXIT

is_up() { # a service counts as ours to stop only if it was not running before
  case "$1" in
    cassandra) scripts/cassandra/status.sh >/dev/null 2>&1 ;;
    kube) scripts/kube/status.sh >/dev/null 2>&1 ;;
  esac
}

# --- 1. prerequisites, in parallel; each writes its own log ---------------------------------
log "preparing: chromium, helm, kubernetes-validate, cassandra (3 nodes), kube control plane, images"
pids=()
run_bg() { # name, command...
  local name=$1; shift
  ( "$@" >".artifacts/setup-$name.log" 2>&1 8>&- ) & pids+=("$!:$name")
}
is_up cassandra || started+=(cassandra)
host_check=skipped
if ! is_up kube; then
  started+=(kube)
  # What the host looks like before the cluster; compared with the same after kube-down.
  scripts/kube/host-snapshot.sh >.artifacts/host-before.txt 2>/dev/null && host_check=pending
fi
run_bg chromium scripts/setup/chromium.sh
run_bg helm scripts/setup/helm.sh
run_bg kubernetes-validate scripts/setup/kubernetes-validate.sh
run_bg cassandra scripts/cassandra/up.sh 3
run_bg kube scripts/kube/up.sh
# The local node's images (app, Cassandra, pause): seconds when current, ~6 min cold.
run_bg images bash -c 'scripts/images/build-all.sh >.artifacts/images.txt' # their names, one a line

# --- 2. while those start: typecheck and unit tests (they need none of them) ------------------
log "typecheck (tsc --noEmit, tests included)"
typecheck_failed=0
node_modules/.bin/tsc -p tsconfig.json --noEmit || typecheck_failed=1

log "vitest: unit"
unit_status=0
node_modules/.bin/vitest run --project unit --reporter=default --reporter=json \
  --outputFile.json=.artifacts/vitest-unit.json 8>&- || unit_status=$?

# --- 3. prerequisites ready? then integration tests -------------------------------------------
log "waiting for prerequisites"
setup_failed=0
for entry in "${pids[@]}"; do
  pid=${entry%%:*}; name=${entry#*:}
  if wait "$pid"; then
    echo "  ok      $name"
  else
    echo "  FAILED  $name (last lines of .artifacts/setup-$name.log):"
    tail -n 25 ".artifacts/setup-$name.log" | sed 's/^/          /'
    setup_failed=1
  fi
done
# Tests that need a missing service fail with their own reason; the rest still run.

# The images into the real nodes while the integration tests run (what `kind load` does; ~3 min
# cold for three nodes, seconds when they have them): the cluster tests start with a deploy.
preload_pid=
if [[ $setup_failed == 0 ]]; then
  mapfile -t image_names <.artifacts/images.txt
  ( scripts/kube/load-images.sh "${image_names[@]}" >.artifacts/setup-images-load.log 2>&1 8>&- ) & preload_pid=$!
fi

log "vitest: integration (real Cassandra, Chromium, kube-apiserver; one file at a time)"
node_modules/.bin/vitest run --project integration --reporter=default --reporter=json \
  --outputFile.json=.artifacts/vitest-integration.json 8>&- || integration_status=$?

# The host's Cassandra nodes are done with: their memory goes to the Cassandra pods.
keep_service_logs || true
if [[ " ${started[*]} " == *" cassandra "* ]]; then scripts/cassandra/down.sh >/dev/null 2>&1 || true; fi

if [[ -n $preload_pid ]] && ! wait "$preload_pid"; then
  echo "loading the images into the nodes failed (the cluster tests load them again):"
  tail -n 10 .artifacts/setup-images-load.log
fi
log "vitest: cluster (the release on the local cluster's real nodes, in story order)"
cluster_status=0
node_modules/.bin/vitest run --project cluster --reporter=default --reporter=json \
  --outputFile.json=.artifacts/vitest-cluster.json 8>&- || cluster_status=$?

# --- 5. stop what this run started; the host must be as it was ------------------------------
keep_service_logs || true
if [[ $cluster_status != 0 ]]; then # what the pods said, for a post-mortem from a CI log
  KUBECONFIG=.kube/local.kubeconfig scripts/kube/dump.sh .artifacts/cluster/dump >/dev/null 2>&1 || true
fi
if [[ " ${started[*]} " == *" kube "* ]]; then
  log "kube-down, then the host compared with before kube-up"
  scripts/kube/down.sh || true
  if [[ $host_check == pending ]]; then
    scripts/kube/host-snapshot.sh >.artifacts/host-after.txt 2>/dev/null || true
    if diff .artifacts/host-before.txt .artifacts/host-after.txt; then
      host_check=passed; echo "the host is as it was"
    else
      host_check=failed; echo "kube-down left the host changed (lines above: < before, > after)"
    fi
  fi
fi
started=()

# --- 6. summary -----------------------------------------------------------------------------
# A CI log is often all there is to go on: when integration tests failed, show the Cassandra
# nodes' errors of this run (before the summary, which stays the last line).
if [[ $integration_status != 0 ]] && keep_service_logs && compgen -G "$LOGS_KEPT/cassandra-*.log" >/dev/null; then
  log "last Cassandra ERROR lines (whole logs in $LOGS_KEPT)"
  grep -h -A2 '^ERROR ' "$LOGS_KEPT"/cassandra-*.log | cut -c1-300 | tail -n 30 || true
fi
node scripts/test-summary.mjs --typecheck-failed "$typecheck_failed" --setup-failed "$setup_failed" \
  --host-check "$host_check" .artifacts/vitest-unit.json:"$unit_status" \
  .artifacts/vitest-integration.json:"$integration_status" .artifacts/vitest-cluster.json:"$cluster_status"
