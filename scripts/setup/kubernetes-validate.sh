#!/usr/bin/env bash
# Installs PyPI's `kubernetes-validate` (strict, offline JSON-schema validation of Kubernetes
# objects, unknown fields rejected) into a venv in the cache, outside the repo:
#   ${MNIST_CACHE:-$HOME/.cache/mnist-k8s}/venv/kubernetes-validate-<version>/bin/kubernetes-validate
# (+ a `kubernetes-validate` symlink in ${MNIST_CACHE}/bin). Idempotent: a no-op when installed.
set -euo pipefail

KV_VERSION="${KUBERNETES_VALIDATE_VERSION:-1.37.0}"
CACHE="${MNIST_CACHE:-$HOME/.cache/mnist-k8s}"
VENV="$CACHE/venv/kubernetes-validate-$KV_VERSION"
BIN_DIR="$CACHE/bin"

if [[ -x "$VENV/bin/kubernetes-validate" ]]; then
  mkdir -p "$BIN_DIR"
  ln -sfn "$VENV/bin/kubernetes-validate" "$BIN_DIR/kubernetes-validate"
  exit 0
fi

if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "kubernetes-validate.sh: python3 with venv is needed (apt-get install -y python3-venv)" >&2
  exit 1
fi

echo "kubernetes-validate.sh: installing kubernetes-validate $KV_VERSION into $VENV" >&2
rm -rf "$VENV"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$KV_VERSION"
mkdir -p "$BIN_DIR"
ln -sfn "$VENV/bin/kubernetes-validate" "$BIN_DIR/kubernetes-validate"
echo "kubernetes-validate.sh: $("$VENV/bin/kubernetes-validate" --version 2>&1 | head -n 1)" >&2
