# Sourced by up.sh and down.sh: what the cluster changes on the host outside its own namespaces,
# saved before the first start and put back after the last stop, so the host ends as it began.
# - Kernel settings the kubelet sets machine-wide when it starts (they are not per namespace;
#   see setupKernelTunables in the kubelet's container manager; nothing configures that away).
# - Directories that `ip netns` and containerd's shims create on first use: /run/netns (a bind
#   mount) and /run/containerd/s. Removed only if they were not there before and are empty.
KUBELET_SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes)
RUNTIME_DIRS=(/run/netns /run/containerd/s /run/containerd)
host_state_dir=/run/mnist-k8s-host
saved_sysctls=$host_state_dir/sysctls
new_dirs=$host_state_dir/new-dirs

# Keeps the first saving: a restart after a crash must not save the kubelet's values as the host's.
save_host_state() {
  [[ -f $saved_sysctls ]] && return
  mkdir -p "$host_state_dir"
  local dir
  for dir in "${RUNTIME_DIRS[@]}"; do [[ -e $dir ]] || echo "$dir"; done >"$new_dirs"
  sysctl "${KUBELET_SYSCTLS[@]}" >"$saved_sysctls.tmp"
  mv "$saved_sysctls.tmp" "$saved_sysctls"
}

restore_host_state() {
  [[ -f $saved_sysctls ]] || return 0
  local key value dir
  while IFS=' = ' read -r key value; do
    sysctl -qw "$key=$value"
  done <"$saved_sysctls"
  echo "restored host sysctls: $(tr '\n' ' ' <"$saved_sysctls")"
  while read -r dir; do
    [[ -d $dir ]] || continue
    mountpoint -q "$dir" && { umount "$dir" || true; }
    rmdir "$dir" 2>/dev/null && echo "removed $dir (not there before)"
  done <"$new_dirs"
  rm -rf "$host_state_dir"
}
