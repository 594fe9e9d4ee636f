#!/usr/bin/env bash
# Gives an image of the project's podman storage a second name and puts that name on the local
# cluster's nodes too: a rollout to a new tag of the same content, without a rebuild (what a
# CI pipeline's `docker tag` + push is to a real cluster). Names are qualified as the kubelet
# resolves them (mnist-k8s:x -> docker.io/library/mnist-k8s:x). Usage: retag.sh IMAGE NEW_NAME
source "$(dirname "$0")/lib.sh"
use_project_podman
(($# == 2)) || die "usage: retag.sh IMAGE NEW_NAME"
new="$(normalize_ref "$2")"
podman tag "$(normalize_ref "$1")" "$new"
"$REPO_ROOT/scripts/kube/load-images.sh" "$new"
