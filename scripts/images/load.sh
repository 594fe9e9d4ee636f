#!/usr/bin/env bash
# Loads images from the project's podman storage into a containerd, as `kind load docker-image`
# does for kind: into the `k8s.io` namespace (the one kubelet's CRI uses) under exactly the name
# kubelet resolves the manifests' reference to (mnist-k8s:abc -> docker.io/library/mnist-k8s:abc,
# cassandra:5.0 -> docker.io/library/cassandra:5.0, registry.k8s.io/pause:3.10 as is). An image
# already there with the same content (podman's image ID, kept as a label) is skipped, and one
# there under another name is only tagged.
#   CONTAINERD_ADDRESS=/run/.../containerd.sock scripts/images/load.sh IMAGE...
#   e.g.  scripts/images/load.sh $(scripts/images/build-all.sh)
source "$(dirname "$0")/lib.sh"
use_project_podman
require_tool ctr "apt-get install containerd (ctr comes with it)"
(($# > 0)) || die "usage: CONTAINERD_ADDRESS=/path/to/containerd.sock $0 IMAGE..."
address="${CONTAINERD_ADDRESS:?set CONTAINERD_ADDRESS to the containerd socket of the node}"
[[ -S $address ]] || die "no containerd socket at $address (is the node's containerd running?)"

ctr_k8s() { ctr --address "$address" --namespace k8s.io "$@"; }
# Marks an imported image with the podman image ID it came from: the ID is the digest of the
# image's config, which a save/import keeps, so equal IDs mean equal content.
ID_LABEL=mnist-k8s.image-id

for ref in "$@"; do
  name="$(normalize_ref "$ref")"
  id="$(podman image inspect --format '{{.Id}}' "$name" 2>/dev/null)" \
    || die "no image $name in the project's podman storage: build it first (scripts/images/build-all.sh)"
  if [[ -n "$(ctr_k8s images ls -q "name==$name,labels.\"$ID_LABEL\"==$id")" ]]; then
    log "$name: already in containerd with the same content"
    continue
  fi
  # The same image under another name (a new commit whose app sources did not change builds the
  # same image under a new tag): a second name for it is enough, nothing is copied.
  # awk reads the whole list: `head -1` would leave ctr writing into a closed pipe when the
  # content has several names already, and pipefail would end the script with SIGPIPE (141).
  same="$(ctr_k8s images ls -q "labels.\"$ID_LABEL\"==$id" | awk 'NR == 1')"
  if [[ -n $same ]]; then
    ctr_k8s images tag --force "$same" "$name" >/dev/null
    ctr_k8s images label "$name" "$ID_LABEL=$id" >/dev/null
    log "$name: same content as $same, tagged"
    continue
  fi
  start=$(date +%s%N)
  # An OCI archive streamed straight into containerd (no temporary file); --base-name names it
  # by repository, the archive's own tag annotation gives the tag.
  podman save --quiet --format oci-archive "$name" \
    | ctr_k8s images import --base-name "${name%:*}" - >/dev/null
  ctr_k8s images label "$name" "$ID_LABEL=$id" >/dev/null
  log "$name: imported in $(( ($(date +%s%N) - start) / 1000000 )) ms"
done
