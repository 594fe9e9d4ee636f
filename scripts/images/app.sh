#!/usr/bin/env bash
# `make image`: builds the project's Dockerfile with podman, as `docker build` would on a laptop,
# from the local Node base (NODE_IMAGE) instead of node:22-bookworm-slim. Prints the image name.
#   IMAGE    reference to build (default: mnist-k8s:<revision of the git tree>, app-tag.sh)
#   REBUILD  1 builds even when the image exists (layers are still reused)
# tfjs-node cannot install here (its install script downloads libtensorflow from a host we
# cannot reach): REQUIRE_TFJS_NODE=0 accepts the image, which then runs on the wasm backend.
source "$(dirname "$0")/lib.sh"
use_project_podman

image="$(normalize_ref "$("$IMAGES_DIR/app-tag.sh")")"

build() {
  if [[ "${REBUILD:-0}" != 1 ]] && podman image exists "$image"; then
    log "$image exists (same tree, same tag): not rebuilt"
    return 0
  fi
  local node_image
  node_image="$("$IMAGES_DIR/node.sh")"
  log "building $image from Dockerfile (NODE_IMAGE=$node_image); a cold build takes minutes"
  project_build --file "$REPO_ROOT/Dockerfile" --tag "$image" \
    --build-arg NODE_IMAGE="$node_image" --build-arg REQUIRE_TFJS_NODE=0 \
    "$REPO_ROOT" >"$IMAGES_CACHE/app-build.log" 2>&1 \
    || { tail -n 40 "$IMAGES_CACHE/app-build.log" >&2; die "podman build of the Dockerfile failed (log: $IMAGES_CACHE/app-build.log)"; }
  log "built $image"
}
with_build_lock app build
echo "$image"
