# Sourced by up.sh and down.sh: one real node = containerd + runc + kubelet + kube-proxy in the
# node's network namespace, its pods on a CNI bridge. All of its state is under .kube/nodes/<name>
# (containerd's images and containers, the kubelet's pods and volumes, pod logs, pod network
# namespaces), its sockets under /run/mnist-k8s/<name>, its cgroups under /mnist-k8s/<name> in
# every cgroup v1 hierarchy. down.sh removes all three.

PAUSE_IMAGE=registry.k8s.io/pause:3.10
CGROUP_PARENT=mnist-k8s

# cgroup v1 hierarchies mounted on this machine (hybrid: one mount per controller).
cgroup_hierarchies() { find /sys/fs/cgroup -mindepth 1 -maxdepth 1 -type d; }

# The kubelet insists that its cgroupRoot exists in every hierarchy; cpuset children start with
# no CPUs or memory nodes, so they inherit the machine's.
make_cgroup_root() {
  local node=$1 h dir
  for h in $(cgroup_hierarchies); do
    for dir in "$h/$CGROUP_PARENT" "$h/$CGROUP_PARENT/$node"; do
      [[ -d $dir ]] && continue
      mkdir "$dir"
      if [[ -f $dir/cpuset.cpus ]]; then
        cat "$h/cpuset.cpus" >"$dir/cpuset.cpus"
        cat "$h/cpuset.mems" >"$dir/cpuset.mems"
      fi
    done
  done
}

write_containerd_config() {
  local i=$1 dir sockets
  dir=$(node_dir "$i"); sockets=$(node_socket_dir "$i")
  mkdir -p "$dir/containerd" "$dir/cni/net.d" "$sockets"
  cat >"$dir/containerd/config.toml" <<TOML
version = 2
root = "$dir/containerd/root"
state = "$sockets/state"
[grpc]
  address = "$sockets/containerd.sock"
[ttrpc]
  address = "$sockets/containerd.sock.ttrpc"
[debug]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # Writing a negative oom_score_adj is refused on our VMs, even as root: without this every
  # pod sandbox fails to start.
  restrict_oom_score_adj = true
  # Pod network namespaces under the node's state, not the machine-wide /var/run/netns.
  netns_mounts_under_state_dir = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        Root = "$sockets/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni/net.d"
TOML
  # The pods' network: a bridge with host-local addresses from this node's range, the node as
  # gateway, no masquerading (every address in the cluster is routable as it is).
  cat >"$dir/cni/net.d/10-mnist.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "mnist-pods",
  "plugins": [
    {
      "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$dir/cni/ipam",
        "ranges": [[{ "subnet": "$(node_pod_cidr "$i")" }]], "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON
}

write_kubelet_config() {
  local i=$1 name dir
  name=$(node_name "$i"); dir=$(node_dir "$i")
  mkdir -p "$dir/kubelet" "$dir/pod-logs" "$dir/volume-plugins"
  write_kubeconfig "$dir/kubelet.kubeconfig" "kubelet-$name"
  # Pods' resolv.conf: the cluster DNS only (no host search domains; there is no upstream).
  : >"$dir/resolv.conf"
  cat >"$dir/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $(node_ip "$i")
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $pki/kubelet-$name-serving.crt
tlsPrivateKeyFile: $pki/kubelet-$name-serving.key
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $pki/ca.crt }
authorization: { mode: Webhook }
containerRuntimeEndpoint: unix://$(containerd_socket "$i")
# containerd 1.6 cannot report its cgroup driver (RuntimeConfig): the kubelet falls back to this.
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP_PARENT/$name
# Our machines have cgroup v1 controllers only (hybrid, no systemd).
failCgroupV1: false
failSwapOn: false
clusterDNS: [$CP_IP]
clusterDomain: $CLUSTER_DOMAIN
resolvConf: $dir/resolv.conf
podLogsDir: $dir/pod-logs
volumePluginDir: $dir/volume-plugins
serializeImagePulls: false
# Images are loaded, never pulled: never garbage-collect them, and do not evict pods for a
# disk that is merely fuller than a production node's would be.
imageGCHighThresholdPercent: 100
evictionHard: { memory.available: 200Mi, nodefs.available: 2%, imagefs.available: 2%, nodefs.inodesFree: 2% }
nodeStatusReportFrequency: 10s
YAML
}

write_kube_proxy_config() {
  local i=$1 dir
  dir=$(node_dir "$i")
  write_kubeconfig "$dir/kube-proxy.kubeconfig" kube-proxy
  cat >"$dir/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: { kubeconfig: $dir/kube-proxy.kubeconfig }
hostnameOverride: $(node_name "$i")
bindAddress: $(node_ip "$i")
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
mode: iptables
clusterCIDR: $CLUSTER_CIDR
# Zero leaves the machine-wide conntrack settings alone (they are not per namespace).
conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
YAML
}

# crictl against node $1's containerd (`crictl_on 2 ps -a`: the containers of mnist-worker2).
crictl_on() {
  local i=$1; shift
  "$KUBE_BIN/crictl" --config "$(node_dir "$i")/crictl.yaml" "$@"
}

# Starts containerd, then (once it answers) the kubelet and kube-proxy of node $1.
start_real_node() {
  local i=$1 name dir
  name=$(node_name "$i"); dir=$(node_dir "$i")
  make_cgroup_root "$name"
  write_containerd_config "$i"
  write_kubelet_config "$i"
  write_kube_proxy_config "$i"
  printf 'runtime-endpoint: unix://%s\nimage-endpoint: unix://%s\ntimeout: 30\n' \
    "$(containerd_socket "$i")" "$(containerd_socket "$i")" >"$dir/crictl.yaml"
  start_in_netns "containerd@$name" "$name" containerd --config "$dir/containerd/config.toml"
  wait_for "containerd@$name" 60 crictl_on "$i" info
  start_in_netns "kubelet@$name" "$name" "$KUBE_BIN/kubelet" --config "$dir/kubelet.yaml" \
    --kubeconfig "$dir/kubelet.kubeconfig" --root-dir "$dir/kubelet" \
    --hostname-override "$name" --node-ip "$(node_ip "$i")" --node-labels "topology.kubernetes.io/zone=local-$i"
  start_in_netns "kube-proxy@$name" "$name" "$KUBE_BIN/kube-proxy" --config "$dir/kube-proxy.yaml"
}

# ---- teardown -----------------------------------------------------------------------------------
# Mount points at or below $1, deepest first.
mounts_under() {
  awk -v prefix="$1" '$5 == prefix || index($5, prefix "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r
}

# Processes in any cgroup at or below /mnist-k8s/$1.
cgroup_pids() {
  local h
  for h in $(cgroup_hierarchies); do
    [[ -d $h/$CGROUP_PARENT/$1 ]] && find "$h/$CGROUP_PARENT/$1" -name cgroup.procs -exec cat {} + 2>/dev/null
  done | sort -u
}

# Stops node $1 and removes every trace of it: pods (through CRI, so their network namespaces
# and mounts are released properly), the kubelet, kube-proxy and containerd, then whatever a
# crash may have left: container processes, containerd shims, mounts, cgroups, files.
stop_real_node() {
  local i=$1 name dir sockets pid mount
  name=$(node_name "$i"); dir=$(node_dir "$i"); sockets=$(node_socket_dir "$i")
  stop_component "kubelet@$name"
  stop_component "kube-proxy@$name"
  if pid_of "containerd@$name" >/dev/null && [[ -f $dir/crictl.yaml ]]; then
    # Removing a sandbox stops its containers at once and releases its network (CNI DEL).
    crictl_on "$i" rmp --all --force >/dev/null 2>&1 || true
  fi
  stop_component "containerd@$name"
  # Shims and containers outlive containerd by design; here nothing may outlive the node.
  for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $sockets/containerd.sock" || true) $(cgroup_pids "$name"); do
    kill -KILL "$pid" 2>/dev/null || true
  done
  for _ in $(seq 50); do [[ -z $(cgroup_pids "$name") ]] && break; sleep 0.1; done
  for mount in $(mounts_under "$dir") $(mounts_under "$sockets"); do
    umount "$mount" 2>/dev/null || umount -l "$mount" 2>/dev/null || true
  done
  remove_cgroups "$CGROUP_PARENT/$name"
  rm -rf "$dir" "$sockets"
}

# Removes cgroup directory $1 (relative) and its children in every hierarchy, deepest first.
remove_cgroups() {
  local h
  for h in $(cgroup_hierarchies); do
    [[ -d $h/$1 ]] && find "$h/$1" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  return 0
}
