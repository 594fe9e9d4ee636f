#!/usr/bin/env bash
# `make kube-up`: a real local Kubernetes cluster, no Docker, shaped like kind-config.yaml.
#   - control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, CoreDNS) in
#     network namespace mnist-cp, binaries built from Go modules by build.sh;
#   - three real nodes, mnist-worker..3, each containerd + runc + kubelet + kube-proxy + a CNI
#     bridge in a namespace of its own: real pods, real probes, real Services and DNS;
#   - three KWOK fake nodes (tainted) for fast tests of the deployer's logic;
#   - StorageClass "standard", served by k8s/local/volume-provisioner.ts.
# The host gains one veth (10.250.0.1) to reach the API server at 10.250.0.2:6443; down.sh
# removes everything and restores the host sysctls the kubelet changes. State and logs in .kube/,
# kubeconfig .kube/local.kubeconfig. Idempotent: when everything is up it does nothing.
# Images: `make images-load` builds the app, Cassandra and pause images and loads them into the nodes.
set -euo pipefail
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
source "$here/pki.sh"
source "$here/network.sh"
source "$here/nodes.sh"
source "$here/real-node.sh"
source "$here/pause-image.sh"
source "$here/host-state.sh"
started_s=$SECONDS
kubeconfig=$state/local.kubeconfig

# Explains which component failed with the end of its log, takes everything down, exits 1.
fail() {
  local name=$1 why=$2
  echo "kube-up: $name $why; last lines of $logs/$name.log:" >&2
  tail -n 25 "$logs/$name.log" >&2 || true
  cp -r "$logs" "$repo/.artifacts/kube-up-failed-logs" 2>/dev/null || true
  "$here/down.sh" --locked >&2 || true
  exit 1
}

# Polls `$3...` until it succeeds; fails when component $1 dies or after $2 seconds.
wait_for() {
  local name=$1 timeout_s=$2; shift 2
  local deadline=$((SECONDS + timeout_s))
  until "$@" >/dev/null 2>&1; do
    pid_of "$name" >/dev/null || fail "$name" "exited"
    ((SECONDS < deadline)) || fail "$name" "was not healthy after ${timeout_s}s"
    sleep 0.3
  done
}

nodes_ready() { [[ $(count_ready_nodes) == "$((KWOK_NODES + REAL_NODES))" ]]; }

take_lock
if "$here/status.sh" >/dev/null 2>&1; then
  echo "local cluster already up (kubeconfig: $kubeconfig)"
  exit 0
fi
# One cluster per machine: one started from another checkout is that checkout's to stop. While
# it runs, say where it is; when it is a leftover, its own down.sh knows its processes and mounts.
owner=$(cat "$OWNER_FILE" 2>/dev/null || true)
if [[ -n $owner && $owner != "$repo" ]]; then
  if "$owner/scripts/kube/status.sh" >/dev/null 2>&1; then
    echo "kube-up: the local cluster is already up from $owner (one per machine): use it" \
      "(KUBECONFIG=$owner/.kube/local.kubeconfig) or run 'make kube-down' there first" >&2
    exit 1
  fi
  echo "a cluster started from $owner is partly up: taking it down with its own down.sh first"
  "$owner/scripts/kube/down.sh" --locked || true
fi
if [[ -d $run ]] || netns_exists "$CP_NETNS"; then
  echo "local cluster partly up: taking it down first"
  "$here/down.sh" --locked
fi

[[ $(id -u) == 0 ]] || { echo "kube-up: needs root (network namespaces, containerd, kubelet)" >&2; exit 1; }
"$repo/scripts/setup/node-packages.sh"
"$here/build.sh"
build_pause_image
[[ -f $repo/dist/k8s/local/volume-provisioner.js ]] || { echo "kube-up: run 'make build' first (the volume provisioner is TypeScript)" >&2; exit 1; }
mkdir -p "$logs" "$run" "$repo/.artifacts"
make_pki
write_kubeconfig "$kubeconfig" admin
save_host_state
mkdir -p "$(dirname "$OWNER_FILE")" && echo "$repo" >"$OWNER_FILE"
create_network

cp_start() { local name=$1; shift; start_in_netns "$name" "$CP_NETNS" "$@"; }
cp_start etcd "$KUBE_BIN/etcd" --name local --data-dir "$state/etcd" --log-level warn --unsafe-no-fsync \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "local=http://127.0.0.1:$ETCD_PEER_PORT"
wait_for etcd 30 in_netns "$CP_NETNS" curl -sf "http://127.0.0.1:$ETCD_PORT/health"
echo "etcd up"

cp_start kube-apiserver "$KUBE_BIN/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --bind-address 0.0.0.0 --advertise-address "$CP_IP" --secure-port "$KUBE_API_PORT" \
  --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" --client-ca-file "$pki/ca.crt" \
  --kubelet-client-certificate "$pki/apiserver-kubelet.crt" --kubelet-client-key "$pki/apiserver-kubelet.key" \
  --kubelet-certificate-authority "$pki/ca.crt" --kubelet-preferred-address-types InternalIP \
  --service-account-issuer "https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --service-cluster-ip-range "$SERVICE_CIDR" --authorization-mode Node,RBAC --allow-privileged=true \
  --profiling=false
wait_for kube-apiserver 90 api "$api_url/readyz"
echo "kube-apiserver up on $api_url"

common=(--kubeconfig "$kubeconfig" --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig"
  --bind-address 127.0.0.1 --leader-elect=false --profiling=false)
cp_start kube-controller-manager "$KUBE_BIN/kube-controller-manager" "${common[@]}" \
  --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" --use-service-account-credentials=true \
  --cluster-cidr "$CLUSTER_CIDR" --service-cluster-ip-range "$SERVICE_CIDR" --horizontal-pod-autoscaler-sync-period=5s
cp_start kube-scheduler "$KUBE_BIN/kube-scheduler" "${common[@]}"
wait_for kube-controller-manager 60 in_netns "$CP_NETNS" curl -skf https://127.0.0.1:10257/healthz
wait_for kube-scheduler 60 in_netns "$CP_NETNS" curl -skf https://127.0.0.1:10259/healthz
echo "kube-controller-manager and kube-scheduler up"

# Cluster DNS: CoreDNS answers for cluster.local on the bridge address every node reaches.
cat >"$state/Corefile" <<COREFILE
.:53 {
  bind $CP_IP
  errors
  kubernetes $CLUSTER_DOMAIN in-addr.arpa ip6.arpa {
    kubeconfig $kubeconfig
    pods insecure
    fallthrough in-addr.arpa ip6.arpa
  }
  cache 5
}
COREFILE
cp_start coredns "$KUBE_BIN/coredns" -conf "$state/Corefile"
cp_start volume-provisioner "$(command -v node)" "$repo/dist/k8s/local/volume-provisioner.js" \
  --kubeconfig "$kubeconfig" --root "$state/volumes"
create_storage

# KWOK's config: the default node and fast pod lifecycles of its release, our stages that make
# labelled pods fail, and a stand-in log for every container (so `kubectl logs` on a fake pod
# goes through the API server to KWOK's kubelet server on the control plane's loopback).
kwok_config=$state/kwok.yaml
{
  for f in "$KUBE_CACHE"/kwok-stages/*.yaml "$here"/stages/*.yaml; do cat "$f"; echo '---'; done
  printf 'apiVersion: kwok.x-k8s.io/v1alpha1\nkind: ClusterLogs\nmetadata:\n  name: stand-in\nspec:\n'
  printf '  logs:\n  - logsFile: %s\n    previousLogsFile: %s\n' "$here/stages/container.log" "$here/stages/container.log"
} >"$kwok_config"
cp_start kwok "$KUBE_BIN/kwok" --kubeconfig "$kubeconfig" --config "$kwok_config" \
  --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
  --node-ip 127.0.0.1 --node-port "$KWOK_PORT" --server-address "127.0.0.1:$KWOK_PORT" \
  --tls-cert-file "$pki/kwok-serving.crt" --tls-private-key-file "$pki/kwok-serving.key" \
  --cidr 10.245.0.1/16 --node-lease-duration-seconds 40
create_nodes

for ((i = 1; i <= REAL_NODES; i++)); do start_real_node "$i"; load_pause_image "$i"; done
wait_for "kubelet@$(node_name 1)" 120 nodes_ready
echo "nodes Ready: $REAL_NODES real ($(for ((i = 1; i <= REAL_NODES; i++)); do printf '%s ' "$(node_name "$i")"; done)), $KWOK_NODES KWOK"

echo "local cluster up in $((SECONDS - started_s))s"
echo "  export KUBECONFIG=$kubeconfig"
