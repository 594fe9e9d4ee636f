#!/usr/bin/env bash
# Prints the app image's reference, mnist-k8s:<revision>, derived from the git tree: the commit,
# plus a hash of uncommitted changes to what the image is built from. Same tree, same tag, so
# running `make image` / `make kind-up` again without changes rebuilds and re-deploys nothing.
# IMAGE, when set, is printed instead. Used by scripts/kind/up.sh and scripts/images/app.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ -n "${IMAGE:-}" ]]; then echo "$IMAGE"; exit 0; fi

# Everything the Dockerfile reads from the build context (k8s: the compiled DigitModel controller).
inputs=(app k8s package.json package-lock.json .npmrc tsconfig.json tsconfig.build.json Dockerfile .dockerignore)
revision="$(git rev-parse --short HEAD 2>/dev/null || echo nogit)"
if [[ -n "$(git status --porcelain -- "${inputs[@]}" 2>/dev/null)" ]]; then
  revision="$revision-dirty-$( { git diff HEAD -- "${inputs[@]}"; git ls-files --others --exclude-standard -- "${inputs[@]}" | xargs -r cat; } | sha256sum | cut -c1-8)"
fi
echo "mnist-k8s:$revision"
