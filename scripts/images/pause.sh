#!/usr/bin/env bash
# Builds registry.k8s.io/pause:3.10 for the local node's pod sandboxes: a static build of
# build/pause/linux/pause.c from the k8s.io/kubernetes Go module source (the Go module proxy
# serves it; `go mod download` caches it), in a one-binary image. Prints the image name.
source "$(dirname "$0")/lib.sh"
use_project_podman
require_tool go "Install Go >= 1.26 (it downloads the k8s.io/kubernetes module source)"
require_tool gcc "apt-get install gcc libc6-dev (pause.c is compiled statically)"

module="k8s.io/kubernetes@$KUBERNETES_SOURCE_VERSION"
# Dir of the module in the Go module cache (downloaded once; later runs only look it up).
source_dir="$(cd /tmp && go mod download -json "$module" | node -e \
  'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).Dir ?? ""))')"
pause_c="$source_dir/build/pause/linux/pause.c"
[[ -f $pause_c ]] || die "$pause_c not found (go mod download $module failed?)"
key="$(inputs_key --word "$PAUSE_IMAGE" --word "$(gcc -dumpfullversion)" "$pause_c" "$IMAGES_DIR/pause.sh" "$IMAGES_DIR/pause/Containerfile")"
built="localhost/mnist-k8s/pause:${PAUSE_IMAGE##*:}-$key"

build() {
  podman image exists "$built" && return 0
  [[ -f /usr/lib/x86_64-linux-gnu/libc.a ]] || die "static libc missing: apt-get install libc6-dev"
  local context="$IMAGES_CACHE/pause-context"
  rm -rf "$context" && mkdir -p "$context"
  cp "$IMAGES_DIR/pause/Containerfile" "$context/"
  # As kubernetes/build/pause/Makefile compiles it; VERSION is what `pause -v` prints.
  gcc -Os -Wall -Werror -static -DVERSION="${PAUSE_IMAGE##*:}-mnist-k8s" -o "$context/pause" "$pause_c"
  strip "$context/pause"
  podman build --pull=never --network=host --quiet --file "$context/Containerfile" --tag "$built" "$context" >/dev/null
  rm -rf "$context"
  log "built $built"
}
with_build_lock pause build
podman tag "$built" "$PAUSE_IMAGE"
echo "$PAUSE_IMAGE"
