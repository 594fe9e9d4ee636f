#!/usr/bin/env bash
# Builds the Cassandra image (cassandra/Containerfile) and names it cassandra:5.0 as stored
# (docker.io/library/cassandra:5.0, the name kubelet resolves the manifests' `cassandra:5.0`
# to). Prints that name. Inputs, all cached under MNIST_CACHE: the Debian base; Cassandra's jars
# from Maven Central (scripts/cassandra/lib.sh fetch_cassandra, the same jars the local nodes
# run); cqlsh and its dependencies from PyPI as wheels for Debian 12's Python 3.11; the JVM flags
# of scripts/cassandra/jvm17-server.options. OpenJDK 17 and python3 come from apt in the build.
source "$(dirname "$0")/lib.sh"
use_project_podman

# Debian 12's python3, the interpreter cqlsh runs with in the image.
IMAGE_PYTHON_VERSION=3.11
debian_image="$("$IMAGES_DIR/debian.sh")"
key="$(inputs_key --word "$debian_image" --word "$CASSANDRA_VERSION" --word "$CQLSH_VERSION" \
  "$IMAGES_DIR/cassandra.sh" "$REPO_ROOT/scripts/cassandra/pom.xml" \
  "$REPO_ROOT/scripts/cassandra/jvm17-server.options" "$REPO_ROOT/scripts/cassandra/logback-tools.xml" \
  $(find "$IMAGES_DIR/cassandra" -type f | sort))"
# The build's own name; CASSANDRA_IMAGE is a second name of the same image.
built="localhost/mnist-k8s/cassandra:$CASSANDRA_VERSION-$key"

# cqlsh with its dependencies, installed by the host's pip for the image's interpreter and
# platform (wheels only: nothing compiles), into a directory the image puts on PYTHONPATH.
fetch_cqlsh() {
  local dir="$IMAGES_CACHE/cqlsh-$CQLSH_VERSION-py$IMAGE_PYTHON_VERSION"
  if [[ ! -f "$dir/.complete" ]]; then
    python3 -m pip --version >/dev/null 2>&1 || die "python3 -m pip is needed to fetch cqlsh from PyPI (apt-get install python3-pip)"
    log "fetching cqlsh $CQLSH_VERSION from PyPI"
    rm -rf "$dir"
    python3 -m pip install --quiet --root-user-action=ignore --target "$dir" --no-compile --only-binary=:all: \
      --python-version "$IMAGE_PYTHON_VERSION" --implementation cp --platform manylinux2014_x86_64 \
      "cqlsh==$CQLSH_VERSION" >&2 || die "pip could not fetch cqlsh==$CQLSH_VERSION from PyPI"
    rm -rf "$dir/bin" # console scripts with the host's interpreter; the image has its own launcher
    touch "$dir/.complete"
  fi
  echo "$dir"
}

build() {
  podman image exists "$built" && return 0
  local jars cqlsh context
  jars="$(bash -c 'source "$1/scripts/cassandra/lib.sh" && fetch_cassandra && echo "$CACHE_DIR/lib"' _ "$REPO_ROOT")"
  cqlsh="$(fetch_cqlsh)"
  context="$IMAGES_CACHE/cassandra-context"
  rm -rf "$context" && mkdir -p "$context"
  cp -R "$IMAGES_DIR/cassandra/." "$context/"
  cp "$REPO_ROOT/scripts/cassandra/jvm17-server.options" "$REPO_ROOT/scripts/cassandra/logback-tools.xml" "$context/conf/"
  # Hard links: the jars (~100) are not copied again for every build.
  cp -al "$jars" "$context/lib" && rm -f "$context/lib/.complete"
  cp -al "$cqlsh" "$context/cqlsh" && rm -f "$context/cqlsh/.complete"
  log "building $built"
  project_build --file "$context/Containerfile" --tag "$built" \
    --build-arg DEBIAN_IMAGE="$debian_image" --build-arg CASSANDRA_VERSION="$CASSANDRA_VERSION" \
    "$context" >"$IMAGES_CACHE/cassandra-build.log" 2>&1 \
    || { tail -n 40 "$IMAGES_CACHE/cassandra-build.log" >&2; die "podman build of the Cassandra image failed (log: $IMAGES_CACHE/cassandra-build.log)"; }
  rm -rf "$context"
  log "built $built"
}
with_build_lock cassandra build
podman tag "$built" "$CASSANDRA_IMAGE"
echo "$CASSANDRA_IMAGE"
