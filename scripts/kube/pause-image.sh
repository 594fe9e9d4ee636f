# Sourced by up.sh: the pause image every pod sandbox starts from (containerd's sandbox_image).
# No registry is reachable, so it is built as Kubernetes builds it: a static build of
# build/pause/linux/pause.c from the k8s.io/kubernetes module, alone in an OCI image made with
# umoci, cached as an OCI archive beside the binaries and imported into each node's containerd.
PAUSE_ARCHIVE=$KUBE_CACHE/images/pause-oci.tar

build_pause_image() {
  [[ -f $PAUSE_ARCHIVE ]] && return
  local src work
  src=$(cd /tmp && go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  work=$(mktemp -d)
  gcc -Os -static -o "$work/pause" "$src/build/pause/linux/pause.c"
  umoci init --layout "$work/oci"
  umoci new --image "$work/oci:${PAUSE_IMAGE##*:}"
  umoci unpack --image "$work/oci:${PAUSE_IMAGE##*:}" "$work/bundle" >/dev/null
  cp "$work/pause" "$work/bundle/rootfs/pause"
  umoci repack --image "$work/oci:${PAUSE_IMAGE##*:}" "$work/bundle"
  umoci config --image "$work/oci:${PAUSE_IMAGE##*:}" --config.entrypoint /pause --config.user 65535:65535
  mkdir -p "${PAUSE_ARCHIVE%/*}"
  tar -C "$work/oci" -cf "$PAUSE_ARCHIVE.tmp" .
  mv "$PAUSE_ARCHIVE.tmp" "$PAUSE_ARCHIVE"
  rm -rf "$work"
  echo "built $PAUSE_IMAGE -> $PAUSE_ARCHIVE"
}

# Imports the pause image into node $1's containerd, under the name its config asks for.
load_pause_image() {
  ctr --address "$(containerd_socket "$1")" --namespace k8s.io images import \
    --base-name "${PAUSE_IMAGE%:*}" "$PAUSE_ARCHIVE" >/dev/null
}
