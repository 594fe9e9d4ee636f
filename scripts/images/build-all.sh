#!/usr/bin/env bash
# Builds every image the local Kubernetes node runs and prints their names, one a line:
#   docker.io/library/mnist-k8s:<rev>   the app, from the project's Dockerfile (IMAGE overrides)
#   docker.io/library/cassandra:5.0     Cassandra, as the manifests name it
#   registry.k8s.io/pause:3.10          the pod sandbox
# Idempotent: each image is built only when one of its inputs changed, so a warm run takes
# seconds, and two runs at once (make image, a test runner) wait for each other per image.
# The app and Cassandra build side by side (both mostly wait on registries). Step times go to
# stderr and to $MNIST_CACHE/images/build-times.log. Then:
#   CONTAINERD_ADDRESS=/path/to/containerd.sock scripts/images/load.sh $(scripts/images/build-all.sh)
source "$(dirname "$0")/lib.sh"
# Debian's podman, buildah, debootstrap... on a machine that has none of them yet.
"$REPO_ROOT/scripts/setup/container-tools.sh" >&2 || die "could not install the container tools (scripts/setup/container-tools.sh)"
use_project_podman

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# The base images first, once, so the two parallel builds do not both wait on them.
time_step "debian base" "$IMAGES_DIR/debian.sh" >/dev/null 2>"$out/debian.err" || { cat "$out/debian.err" >&2; exit 1; }
time_step "node base" "$IMAGES_DIR/node.sh" >/dev/null 2>"$out/node.err" || { cat "$out/node.err" >&2; exit 1; }
cat "$out/debian.err" "$out/node.err" >&2

pids=()
for image in app cassandra pause; do
  ( time_step "$image image" "$IMAGES_DIR/$image.sh" >"$out/$image.name" 2>"$out/$image.err" ) &
  pids+=("$!:$image")
done
failed=0
for entry in "${pids[@]}"; do
  wait "${entry%%:*}" || { failed=1; log "${entry#*:} image FAILED:"; }
  cat "$out/${entry#*:}.err" >&2
done
((failed == 0)) || die "some images could not be built (see above)"

{ date -u +%FT%TZ; cat "$out"/*.err | grep -E '^\[images\] .*: [0-9]+ ms$' || true; } >>"$IMAGES_CACHE/build-times.log"
cat "$out/app.name" "$out/cassandra.name" "$out/pause.name"
