#!/usr/bin/env bash
# Prints what the local cluster could leave behind on the host, one fact per line, sorted:
# interfaces, addresses, routes, iptables rules, network namespaces, mount points, cgroups of
# the cluster's kind in the top two levels, the sysctls the kubelet sets, and processes of the
# cluster's programs.
# scripts/test.sh compares a snapshot taken before `kube-up` with one after `kube-down`.
# Podman's and buildah's own mounts and cgroups (image builds run beside the cluster) are left out.
set -euo pipefail
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
source "$here/host-state.sh"
{
  ip -o link show | awk -F': ' '{ print "link " $2 }' | sed 's/@.*//'
  ip -o addr show | awk '{ print "addr " $2 " " $4 }'
  ip route show | sed 's/^/route /'
  iptables-save 2>/dev/null | grep -vE '^(#|:)' | sed 's/^/iptables /' || true
  ls /run/netns 2>/dev/null | sed 's/^/netns /' || true
  awk '{ print "mount " $5 }' /proc/self/mountinfo
  # Only cgroups the cluster could have made: other tools (a sandbox, a session) come and go.
  find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -type d | grep -E 'mnist|kube|containerd|pod|cri' | sed 's/^/cgroup /' || true
  sysctl "${KUBELET_SYSCTLS[@]}" net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables 2>/dev/null | sed 's/^/sysctl /'
  pgrep -a -f "$KUBE_BIN/|containerd|volume-provisioner" | grep -v -e pgrep -e host-snapshot | awk '{ $1 = ""; print "process" $0 }' || true
} | grep -vE 'containers/storage|buildah-|libpod' | sort  # image builds may run meanwhile: not the cluster's
