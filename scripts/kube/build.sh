#!/usr/bin/env bash
# Builds the local cluster's binaries from Go modules, once, into a cache outside the repo keyed
# by version: the control plane (kube-apiserver, kube-controller-manager, kube-scheduler), the
# node (kubelet, kube-proxy) and kubectl from k8s.io/kubernetes through a wrapper module that
# pins every staging module; etcd 3.6, CoreDNS, crictl and KWOK. A binary that is already in the
# cache is skipped, so a second run costs nothing. Cold, on 2 cores: ~25 minutes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/versions.sh"

export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}"
mkdir -p "$KUBE_BIN"
started_s=$SECONDS

# Prints "built NAME in Ns" so a cold build's cost per binary lands in the log.
timed() {
  local name=$1; shift
  local t0=$SECONDS
  echo "building $name ..."
  "$@"
  echo "built $name in $((SECONDS - t0))s"
}

# k8s.io/kubernetes refers to its staging modules as v0.0.0 with `replace => ./staging/...`;
# outside its repo those must point at the published v0.<minor>.<patch> tags instead.
write_kube_module() {
  local dir=$1 staging_version="v0.${KUBE_VERSION#*.}"
  local gomod
  gomod=$(cd "$dir" && go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  {
    echo "module mnist-k8s/kube-build"
    echo
    echo "go 1.26"
    echo
    echo "require k8s.io/kubernetes v$KUBE_VERSION"
    echo
    echo "replace ("
    grep -E '^\s*k8s\.io/[a-z0-9-]+ => \./staging/' "$gomod" |
      awk -v v="$staging_version" '{ printf "\t%s => %s %s\n", $1, $1, v }'
    echo ")"
  } > "$dir/go.mod"
  echo "pinned $(grep -c ' => ' "$dir/go.mod") staging modules to $staging_version"
}

build_kube() {
  local dir=$KUBE_CACHE/src/kubernetes
  mkdir -p "$dir"
  [[ -f $dir/go.mod ]] || echo 'module mnist-k8s/kube-build' > "$dir/go.mod"
  write_kube_module "$dir"
  local pkgs=()
  for name in "${KUBE_BINARIES[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$name"); done
  (cd "$dir" && timed "k8s.io/kubernetes@v$KUBE_VERSION go get" go get "${pkgs[@]/%/@v$KUBE_VERSION}")
  # Without these the binaries report v0.0.0 and clients see an unknown server version.
  local pkg=k8s.io/component-base/version minor=${KUBE_VERSION#*.}
  local ldflags="-s -w -X $pkg.gitVersion=v$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=${minor%%.*}"
  for p in "${pkgs[@]}"; do
    local name=${p##*/}
    if [[ -x $KUBE_BIN/$name ]]; then echo "cached $name"; continue; fi
    (cd "$dir" && timed "$name" go build -trimpath -ldflags "$ldflags" -o "$KUBE_BIN/$name.tmp" "$p")
    mv "$KUBE_BIN/$name.tmp" "$KUBE_BIN/$name"
  done
}

build_etcd() {
  # Captured, not piped into grep -q: under pipefail, grep closing early fails the check.
  if [[ -x $KUBE_BIN/etcd && $("$KUBE_BIN/etcd" --version) == *"etcd Version: $ETCD_VERSION"* ]]; then
    echo "cached etcd $ETCD_VERSION"; return
  fi
  local dir=$KUBE_CACHE/src/etcd
  mkdir -p "$dir"
  printf 'module mnist-k8s/etcd-build\n\ngo 1.26\n' > "$dir/go.mod"
  (cd "$dir" && go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" &&
    timed "etcd $ETCD_VERSION" go build -trimpath -ldflags "-s -w" -o "$KUBE_BIN/etcd.tmp" go.etcd.io/etcd/server/v3)
  mv "$KUBE_BIN/etcd.tmp" "$KUBE_BIN/etcd"
}

build_kwok() {
  if [[ -x $KUBE_BIN/kwok ]]; then
    echo "cached kwok $KWOK_VERSION"
  else
    timed "kwok $KWOK_VERSION" env GOBIN="$KUBE_BIN" go install -trimpath -ldflags "-s -w" \
      "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
  fi
  copy_kwok_stages
}

# The kwok binary ships no stages of its own (kwokctl feeds it these): keep the default
# node and "fast" pod lifecycles of the same version beside the binaries.
copy_kwok_stages() {
  local out=$KUBE_CACHE/kwok-stages
  [[ -f $out/pod-complete.yaml ]] && return
  local src
  src=$(cd /tmp && go mod download -json "sigs.k8s.io/kwok@v$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  mkdir -p "$out"
  cp "$src/kustomize/stage/node/fast/node-initialize.yaml" \
    "$src/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
    "$src"/kustomize/stage/pod/fast/pod-{ready,complete,delete}.yaml "$out/"
  chmod -R u+w "$out"
  echo "copied kwok stages to $out"
}

# Static Go binaries from their own modules: `go install`, named in the cache as the command.
build_tool() {
  local name=$1 module=$2 version=$3
  if [[ -x $KUBE_BIN/$name ]]; then echo "cached $name $version"; return; fi
  timed "$name $version" env GOBIN="$KUBE_BIN" go install -trimpath -ldflags "-s -w" "$module@v$version"
}

KUBE_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
have_kube() {
  local name
  for name in "${KUBE_BINARIES[@]}"; do [[ -x $KUBE_BIN/$name ]] || return 1; done
}

echo "local cluster cache: $KUBE_BIN (kubernetes $KUBE_VERSION, etcd $ETCD_VERSION, coredns $COREDNS_VERSION, crictl $CRICTL_VERSION, kwok $KWOK_VERSION)"
build_etcd
build_kwok
build_tool coredns github.com/coredns/coredns "$COREDNS_VERSION"
build_tool crictl sigs.k8s.io/cri-tools/cmd/crictl "$CRICTL_VERSION"
if have_kube; then echo "cached ${KUBE_BINARIES[*]}"; else build_kube; fi
echo "local cluster binaries ready in $((SECONDS - started_s))s"
