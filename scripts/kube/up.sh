#!/usr/bin/env bash
# `make kube-up`: a real Kubernetes control plane on loopback, no Docker: etcd, kube-apiserver,
# kube-controller-manager and kube-scheduler built from Go modules (build.sh), and KWOK playing
# the kubelets of three fake nodes. State and logs in .kube/, kubeconfig .kube/local.kubeconfig.
# Idempotent: when everything is up it does nothing; `make kube-down` stops it.
set -euo pipefail
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
source "$here/pki.sh"
source "$here/nodes.sh"
started_s=$SECONDS
kubeconfig=$state/local.kubeconfig


# Starts a component in its own session so it outlives the shell (and a test runner) that
# started it; its output goes to .kube/logs/NAME.log.
start() {
  local name=$1; shift
  setsid "$KUBE_BIN/$name" "$@" >"$logs/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$run/$name.pid"
}

# Explains which component failed with the end of its log, stops everything, exits 1.
fail() {
  local name=$1 why=$2
  echo "kube-up: $name $why; last lines of $logs/$name.log:" >&2
  tail -n 25 "$logs/$name.log" >&2 || true
  stop_all >&2
  exit 1
}

# Polls `$3...` until it succeeds; fails when $1 dies or after $2 seconds.
wait_for() {
  local name=$1 timeout_s=$2; shift 2
  local deadline=$((SECONDS + timeout_s))
  until "$@" >/dev/null 2>&1; do
    pid_of "$name" >/dev/null || fail "$name" "exited"
    ((SECONDS < deadline)) || fail "$name" "was not healthy after ${timeout_s}s"
    sleep 0.3
  done
}

nodes_ready() { [[ $(count_ready_nodes) == "$NODE_COUNT" ]]; }

take_lock
if "$here/status.sh" >/dev/null 2>&1; then
  echo "local control plane already up (kubeconfig: $kubeconfig)"
  exit 0
fi
if [[ -d $run ]]; then
  echo "local control plane partly up: restarting it"
  stop_all
fi

"$here/build.sh"
mkdir -p "$logs" "$run"
make_pki
write_kubeconfig "$kubeconfig"

start etcd --name local --data-dir "$state/etcd" --log-level warn --unsafe-no-fsync \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "local=http://127.0.0.1:$ETCD_PEER_PORT"
wait_for etcd 30 curl -sf "http://127.0.0.1:$ETCD_PORT/health"
echo "etcd up on 127.0.0.1:$ETCD_PORT"

# No kube-proxy or kubelets here: the endpoint reconciler would publish a loopback address
# for the kubernetes Service, which validation rejects, so it is off.
start kube-apiserver --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$KUBE_API_PORT" \
  --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" --client-ca-file "$pki/ca.crt" \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --service-cluster-ip-range 10.96.0.0/16 --authorization-mode Node,RBAC --allow-privileged=true \
  --endpoint-reconciler-type none --kubelet-preferred-address-types InternalIP --profiling=false
wait_for kube-apiserver 90 api "$api_url/readyz"
echo "kube-apiserver up on $api_url"

common=(--kubeconfig "$kubeconfig" --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig"
  --bind-address 127.0.0.1 --leader-elect=false --profiling=false)
start kube-controller-manager "${common[@]}" --secure-port "$KCM_PORT" \
  --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" --use-service-account-credentials=false \
  --enable-hostpath-provisioner=true --horizontal-pod-autoscaler-sync-period=5s
start kube-scheduler "${common[@]}" --secure-port "$SCHEDULER_PORT"
wait_for kube-controller-manager 60 curl -skf "https://127.0.0.1:$KCM_PORT/healthz"
wait_for kube-scheduler 60 curl -skf "https://127.0.0.1:$SCHEDULER_PORT/healthz"
echo "kube-controller-manager and kube-scheduler up"

# KWOK's config: the default node and fast pod lifecycles of its release, our stage that makes
# a labelled pod fail, and a stand-in log for every container (so `kubectl logs` and the
# deployer's "last log lines" go through the API server to KWOK's kubelet server on loopback).
kwok_config=$state/kwok.yaml
{
  for f in "$KUBE_CACHE"/kwok-stages/*.yaml "$here"/stages/*.yaml; do cat "$f"; echo '---'; done
  printf 'apiVersion: kwok.x-k8s.io/v1alpha1\nkind: ClusterLogs\nmetadata:\n  name: stand-in\nspec:\n'
  printf '  logs:\n  - logsFile: %s\n    previousLogsFile: %s\n' "$here/stages/container.log" "$here/stages/container.log"
} >"$kwok_config"
start kwok --kubeconfig "$kubeconfig" --config "$kwok_config" \
  --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
  --node-ip 127.0.0.1 --node-port "$KWOK_PORT" --server-address "127.0.0.1:$KWOK_PORT" \
  --cidr 10.244.0.1/16 --node-lease-duration-seconds 40
create_nodes
create_storage
wait_for kwok 60 nodes_ready
echo "kwok up: $NODE_COUNT nodes Ready"

echo "local control plane up in $((SECONDS - started_s))s"
echo "  export KUBECONFIG=$kubeconfig"
