#!/usr/bin/env bash
# Builds the Debian base image every other image of the project starts from (the local stand-in
# for debian:bookworm-slim): `debootstrap --variant=minbase` from the Debian mirror the host's
# apt already uses, imported into the project's podman storage. Prints the image name.
# Rebuilt only when this script, debian/* or the suite change (the name carries their hash).
source "$(dirname "$0")/lib.sh"
use_project_podman

rootfs=""
key="$(inputs_key --word "$DEBIAN_SUITE" "$IMAGES_DIR/debian.sh" "$IMAGES_DIR"/debian/*)"
image="$DEBIAN_IMAGE_REPO:$DEBIAN_SUITE-$key"

build() {
  podman image exists "$image" && return 0
  require_tool debootstrap "apt-get install debootstrap"
  # The mirror apt is configured with on this machine (reachable here), else Debian's default.
  local mirror
  mirror="$(apt-get indextargets --format '$(REPO_URI)' "Codename: $DEBIAN_SUITE" 'Label: Debian' 2>/dev/null | head -1)"
  mirror="${mirror:-http://deb.debian.org/debian/}"
  rootfs="$(mktemp -d "$IMAGES_CACHE/debian-rootfs.XXXXXX")"
  # --one-file-system: never follow a mount debootstrap might leave behind (proc, a bound /dev).
  trap 'findmnt -rn -o TARGET | grep "^$rootfs/" | sort -r | xargs -r umount -l; rm -rf --one-file-system "$rootfs"' EXIT
  log "debootstrap --variant=minbase $DEBIAN_SUITE from $mirror"
  debootstrap --variant=minbase "$DEBIAN_SUITE" "$rootfs" "$mirror" >"$IMAGES_CACHE/debootstrap.log" 2>&1 \
    || { tail -n 20 "$IMAGES_CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $IMAGES_CACHE/debootstrap.log)"; }

  # What the image carries instead of the host's settings: Debian's public sources (a build
  # mounts the host's over them), container-friendly apt and dpkg defaults.
  rm -f "$rootfs/etc/apt/sources.list"
  install -m 644 "$IMAGES_DIR/debian/debian.sources" "$rootfs/etc/apt/sources.list.d/debian.sources"
  install -m 644 "$IMAGES_DIR/debian/apt-container.conf" "$rootfs/etc/apt/apt.conf.d/90container"
  install -m 644 "$IMAGES_DIR/debian/dpkg-slim.cfg" "$rootfs/etc/dpkg/dpkg.cfg.d/90slim"
  # debootstrap copies the host's resolver and name; the container runtime provides its own.
  : >"$rootfs/etc/resolv.conf"
  : >"$rootfs/etc/hostname"
  # Package lists, caches and logs of the install; docs the slim config would have skipped.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/log/*.log \
    "$rootfs"/var/log/apt/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/*
  find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true

  tar --numeric-owner -C "$rootfs" -c . | podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' --message "debootstrap --variant=minbase $DEBIAN_SUITE" - "$image" >/dev/null
  log "built $image"
}
with_build_lock debian build
echo "$image"
