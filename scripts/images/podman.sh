#!/usr/bin/env bash
# podman with the project's configuration and storage (scripts/images/*.conf, layers under
# MNIST_CACHE): where `make image` puts its images. For people and tests alike:
#   scripts/images/podman.sh images
#   scripts/images/podman.sh run --rm --read-only mnist-k8s:<rev> --help
source "$(dirname "$0")/lib.sh"
use_project_podman
exec podman "$@"
