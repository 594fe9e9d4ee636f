#!/usr/bin/env bash
# Builds the `helm` binary the chart test renders with (k8s/test/manifests/helm-chart.test.ts).
# No release download is possible on our machines (registries only), so it is compiled from the
# Go module proxy and cached outside the repo, keyed by version:
#   ${MNIST_CACHE:-$HOME/.cache/mnist-k8s}/bin/helm-v<version>  (+ a `helm` symlink beside it)
# Idempotent: a fast no-op when the cached binary exists. Prints the build time otherwise.
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-3.22.0}"
CACHE="${MNIST_CACHE:-$HOME/.cache/mnist-k8s}"
BIN_DIR="$CACHE/bin"
TARGET="$BIN_DIR/helm-v$HELM_VERSION"

if [[ -x "$TARGET" ]]; then
  ln -sfn "helm-v$HELM_VERSION" "$BIN_DIR/helm"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "helm.sh: Go is needed to build helm v$HELM_VERSION (install Go >= 1.24)" >&2
  exit 1
fi

mkdir -p "$BIN_DIR"
build_dir="$(mktemp -d)"
trap 'rm -rf "$build_dir"' EXIT

echo "helm.sh: building helm v$HELM_VERSION from the Go module proxy (takes minutes on 2 cores)" >&2
start_s=$SECONDS
# CGO off: a static binary that does not depend on the machine's libc.
CGO_ENABLED=0 GOBIN="$build_dir" nice -n 10 go install "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION"
mv "$build_dir/helm" "$TARGET"
ln -sfn "helm-v$HELM_VERSION" "$BIN_DIR/helm"
echo "helm.sh: built $("$TARGET" version --short) in $((SECONDS - start_s)) s -> $TARGET" >&2
