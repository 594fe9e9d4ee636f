#!/usr/bin/env bash
# `make kind-up`: a local Kubernetes cluster running the whole system.
#   1. checks docker, kind and kubectl;  2. creates the kind cluster unless it exists;
#   3. builds the image and loads it into the nodes;  4. deploys with the project's deployer,
#   which waits for Cassandra, the keyspace Job and the app rollout, and explains failures;
#   5. prints the port-forward command.
# Env: KIND_CLUSTER (mnist), KIND_NODE_IMAGE, IMAGE (default: a tag derived from the git tree),
#      DEPLOY_TIMEOUT (20m).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/kind/common.sh
source scripts/kind/common.sh

# The node image kind v0.33.0 defaults to (Kubernetes 1.37.0); node images are built for a kind
# release, so with another kind version set KIND_NODE_IMAGE to one of its release notes' images.
NODE_IMAGE="${KIND_NODE_IMAGE:-kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5}"

step "checking tools: docker, kind, kubectl"
require_tool docker "Install Docker (Docker Desktop, or Docker Engine on Linux)."
require_tool kind "Install kind >= 0.33: https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
require_tool kubectl "Install kubectl: https://kubernetes.io/docs/tasks/tools/"
docker info >/dev/null 2>&1 || fail "docker is installed but its daemon does not answer (is Docker running? can this user use it?)"
[[ -f dist/k8s/deploy/cli.js ]] || fail "dist/k8s/deploy/cli.js is missing: run 'make build' first (make kind-up does)"

if cluster_exists; then
  step "cluster '$CLUSTER' exists: reusing it"
else
  step "creating kind cluster '$CLUSTER' (1 control-plane + 3 workers, $NODE_IMAGE)"
  kind create cluster --name "$CLUSTER" --config kind-config.yaml --image "$NODE_IMAGE" --wait 180s
fi
step "pointing kubectl at context $CONTEXT"
kubectl config use-context "$CONTEXT" >/dev/null
kubectl get nodes -o wide

# Same tree, same tag: re-running without changes re-deploys nothing.
IMAGE="$(scripts/images/app-tag.sh)"
step "building image $IMAGE (first build downloads dependencies: several minutes)"
docker build --tag "$IMAGE" .

step "loading $IMAGE into the nodes of '$CLUSTER'"
kind load docker-image "$IMAGE" --name "$CLUSTER"

step "deploying: namespace and Secrets, Cassandra (3 nodes, one at a time), keyspace Job, app"
node dist/k8s/deploy/cli.js deploy --image "$IMAGE" --timeout "${DEPLOY_TIMEOUT:-20m}"

step "ready"
kubectl --namespace "$NAMESPACE" get pods -o wide
cat <<DONE

Open the app:
  make port-forward        # or: kubectl --context $CONTEXT --namespace $NAMESPACE port-forward service/digits 8080:80
  then browse http://localhost:8080
Status: make status      Remove everything: make kind-down
DONE
