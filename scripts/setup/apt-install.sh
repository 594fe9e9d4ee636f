#!/usr/bin/env bash
# apt-install.sh <who> <package>...: installs Debian packages for the setup scripts, one at a
# time. `make test` prepares Chromium, the cluster's node packages and the image tools in
# parallel, and on a fresh machine all three reach apt-get together: apt takes its locks without
# waiting, so all but one failed ("Could not get lock /var/lib/apt/lists/lock"). Here they queue
# on our own lock, and wait (DPkg::Lock::Timeout) for any other apt, e.g. unattended upgrades.
# The package lists are refreshed once per 10 minutes, not once per caller.
set -euo pipefail

who="$1"; shift
(($# > 0)) || exit 0
SUDO=; [[ $(id -u) == 0 ]] || SUDO=sudo
LOCK="${TMPDIR:-/tmp}/mnist-k8s-apt.lock"
UPDATED="${TMPDIR:-/tmp}/mnist-k8s-apt.updated"
APT=($SUDO apt-get -o DPkg::Lock::Timeout=600 -qq)
export DEBIAN_FRONTEND=noninteractive

exec 9>"$LOCK"
if ! flock -n 9; then
  echo "$who: waiting for another setup script's apt-get" >&2
  flock 9
fi
if [[ -z $(find "$UPDATED" -mmin -10 2>/dev/null) ]]; then
  "${APT[@]}" update
  touch "$UPDATED"
fi
echo "$who: installing $* (apt-get)" >&2
"${APT[@]}" install -y --no-install-recommends "$@" >/dev/null \
  || { echo "$who: apt-get install $* failed" >&2; exit 1; }
echo "$who: installed $*" >&2
