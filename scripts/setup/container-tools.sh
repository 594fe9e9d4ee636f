#!/usr/bin/env bash
# Installs Debian's packages the image builds and the containerd loader use (podman, buildah,
# debootstrap, containerd + runc, gcc + libc6-dev for the static pause binary, python3-pip when
# no pip is on PATH for cqlsh's wheels). Idempotent: a fast no-op when every command is there.
set -euo pipefail

# command -> Debian package
declare -A PACKAGES=(
  [podman]=podman [buildah]=buildah [debootstrap]=debootstrap [containerd]=containerd [ctr]=containerd
  [runc]=runc [gcc]=gcc [strip]=binutils
)
missing=()
for tool in "${!PACKAGES[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${PACKAGES[$tool]}")
done
[[ -f /usr/lib/x86_64-linux-gnu/libc.a ]] || missing+=(libc6-dev)
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
((${#missing[@]} == 0)) && exit 0

mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
exec "$(dirname "$0")/apt-install.sh" container-tools.sh "${missing[@]}"
