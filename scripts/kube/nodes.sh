# Sourced by up.sh: the objects a bare control plane lacks, created through the API with curl:
# three KWOK-managed fake nodes and the default StorageClass "standard" (kind's name), served by
# k8s/local/volume-provisioner.ts, so StatefulSet claims bind.
#
# The fake nodes are for tests of the deployer's logic at KWOK's speed (pods "run" at once, fail
# on command). They carry a NoSchedule taint, so the system's own manifests land on the real
# nodes; a test that wants the fake nodes adds the toleration and the `type: kwok` selector
# (k8s/test/deploy/manifests-fixture.ts, onFakeNodes).

KWOK_NODES=3

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
  for ((i = 0; i < KWOK_NODES; i++)); do
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
  "topology.kubernetes.io/zone":"kwok-$i","type":"kwok"}},
 "spec":{"taints":[{"key":"kwok.x-k8s.io/node","value":"fake","effect":"NoSchedule"}]},
 "status":{"addresses":[{"type":"InternalIP","address":"127.0.0.1"},{"type":"Hostname","address":"kwok-node-$i"}],
  "capacity":{"cpu":"8","memory":"32Gi","pods":"110","ephemeral-storage":"200Gi"},
  "allocatable":{"cpu":"8","memory":"32Gi","pods":"110","ephemeral-storage":"200Gi"}}}
JSON
)"
  done
}

create_storage() {
  # Immediate binding: every real node sees the same filesystem, so where a volume is made does
  # not constrain where its pod runs; a volume goes with its claim, so test namespaces come and
  # go freely.
  create_object /apis/storage.k8s.io/v1/storageclasses '{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass",
    "metadata":{"name":"standard","annotations":{"storageclass.kubernetes.io/is-default-class":"true"}},
    "provisioner":"mnist-k8s.local/host-directory","volumeBindingMode":"Immediate","reclaimPolicy":"Delete"}'
}

# Number of nodes (real and fake) whose Ready condition is True and that have the InternalIP the
# API server reaches their kubelet at (without it, every pod log request fails).
count_ready_nodes() {
  api "$api_url/api/v1/nodes" | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const ready = JSON.parse(s).items.filter((n) =>
        (n.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True") &&
        (n.status?.addresses ?? []).some((a) => a.type === "InternalIP"));
      console.log(ready.length);
    });'
}
