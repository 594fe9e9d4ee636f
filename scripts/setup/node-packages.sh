#!/usr/bin/env bash
# Installs, from Debian's packages, what the local cluster's real nodes and the image builds
# need: containerd, runc and the CNI plugins (the nodes), iptables and conntrack (kube-proxy),
# podman, buildah, skopeo, umoci and debootstrap (images built without a registry), and a static
# busybox. Idempotent: a fast no-op when everything is there. Everything else (kubelet, the
# control plane, CoreDNS, crictl) is built from Go modules by scripts/kube/build.sh.
set -euo pipefail

# command or file -> the Debian package that provides it
declare -A NEEDED=(
  [containerd]=containerd [runc]=runc [/usr/lib/cni/bridge]=containernetworking-plugins
  [iptables]=iptables [conntrack]=conntrack [nsenter]=util-linux
  [podman]=podman [buildah]=buildah [skopeo]=skopeo [umoci]=umoci [debootstrap]=debootstrap
  [/bin/busybox]=busybox-static
)
missing=()
for what in "${!NEEDED[@]}"; do
  if [[ $what == /* ]]; then [[ -e $what ]] && continue; else command -v "$what" >/dev/null && continue; fi
  missing+=("${NEEDED[$what]}")
done
((${#missing[@]} == 0)) && exit 0

exec "$(dirname "$0")/apt-install.sh" node-packages.sh "${missing[@]}"
