# Sourced by up.sh: the objects a bare control plane lacks that the manifests expect, created
# through the API with curl (no kubectl needed): three KWOK-managed nodes and a default
# StorageClass "standard" (kind's name) that provisions volumes, so StatefulSet claims bind.

NODE_COUNT=3

# POSTs $2 to $1; an object that already exists (409) is fine: up is idempotent.
create_object() {
  local path=$1 body=$2 out
  if ! out=$(api -X POST -H 'Content-Type: application/json' "$api_url$path" -d "$body" 2>&1); then
    [[ $out == *'"code": 409'* || $out == *'"code":409'* ]] && return 0
    echo "$out" >&2
    return 1
  fi
}

create_nodes() {
  local i
  for ((i = 0; i < NODE_COUNT; i++)); do
    # The InternalIP is loopback so anything asking the "kubelet" (pod logs) reaches KWOK's
    # own server on 127.0.0.1 (--node-port), never another address. Both addresses go in the
    # create (a Node keeps the status it is created with): KWOK's node-initialize stage renders
    # `addresses:` empty, and so erases them all, for a node that has an InternalIP but no
    # Hostname (a KWOK outside a pod has no node name of its own). Creating the node with an
    # InternalIP and patching the Hostname in afterwards lost that race under load: the API
    # server then had no address to reach the node's logs at.
    create_object /api/v1/nodes "$(cat <<JSON
{"apiVersion":"v1","kind":"Node","metadata":{"name":"kwok-node-$i",
 "annotations":{"kwok.x-k8s.io/node":"fake","node.alpha.kubernetes.io/ttl":"0"},
 "labels":{"kubernetes.io/hostname":"kwok-node-$i","kubernetes.io/os":"linux","kubernetes.io/arch":"amd64",
  "topology.kubernetes.io/zone":"local-$i","type":"kwok"}},
 "status":{"addresses":[{"type":"InternalIP","address":"127.0.0.1"},{"type":"Hostname","address":"kwok-node-$i"}],
  "capacity":{"cpu":"8","memory":"32Gi","pods":"110","ephemeral-storage":"200Gi"},
  "allocatable":{"cpu":"8","memory":"32Gi","pods":"110","ephemeral-storage":"200Gi"}}}
JSON
)"
  done
}

create_storage() {
  # kube-controller-manager's own hostPath provisioner (--enable-hostpath-provisioner) makes a
  # volume per claim and deletes it with the claim, so test namespaces come and go freely.
  # Nothing mounts these volumes: KWOK runs no containers.
  create_object /apis/storage.k8s.io/v1/storageclasses '{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass",
    "metadata":{"name":"standard","annotations":{"storageclass.kubernetes.io/is-default-class":"true"}},
    "provisioner":"kubernetes.io/host-path","volumeBindingMode":"Immediate","reclaimPolicy":"Delete"}'
}

# Number of nodes whose Ready condition is True and that have the InternalIP the API server
# reaches their "kubelet" at (without it, every pod log request fails).
count_ready_nodes() {
  api "$api_url/api/v1/nodes" | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const ready = JSON.parse(s).items.filter((n) =>
        (n.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True") &&
        (n.status?.addresses ?? []).some((a) => a.type === "InternalIP"));
      console.log(ready.length);
    });'
}
