# Shared by the local cluster's scripts (up.sh, down.sh, status.sh, node.sh): where things live,
# the network plan, and how a component is started, identified and stopped.
#
# The cluster lives in network namespaces of its own, so nothing listens on, or routes through,
# the host's interfaces: `mnist-cp` holds the control plane (etcd, kube-apiserver, controllers,
# scheduler, CoreDNS, KWOK) and a bridge that joins it to one namespace per real node
# (`mnist-worker`, `mnist-worker2`, ...: containerd, kubelet, kube-proxy, a CNI bridge for pods).
# The host reaches the bridge through one veth pair (host side 10.250.0.1), which is how
# kubectl, the deployer and the tests talk to the API server at 10.250.0.2:6443.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/versions.sh"
repo=$(cd "$here/../.." && pwd)
state=$repo/.kube
pki=$state/pki
logs=$state/logs
run=$state/run

# ---- network plan (one cluster per machine: the namespaces and addresses are global) --------
CP_NETNS=mnist-cp
HOST_VETH=mnist-host            # host side of the host <-> bridge veth pair
HOST_IP=10.250.0.1
CP_IP=10.250.0.2                # the bridge's address in mnist-cp: API server, CoreDNS
NODE_SUBNET_BITS=24
REAL_NODES=${REAL_NODES:-3}     # like kind-config.yaml: three workers
KUBE_API_PORT=6443
ETCD_PORT=2379
ETCD_PEER_PORT=2380
KWOK_PORT=10247
SERVICE_CIDR=10.96.0.0/16
CLUSTER_CIDR=10.244.0.0/16
CLUSTER_DOMAIN=cluster.local
api_url=https://$CP_IP:$KUBE_API_PORT

# Node i (1-based) is named as kind names its workers, has 10.250.0.(10+i) and pods 10.244.i.0/24.
node_name() { if (($1 == 1)); then echo mnist-worker; else echo "mnist-worker$1"; fi; }
node_ip() { echo "10.250.0.$((10 + $1))"; }
node_pod_cidr() { echo "10.244.$1.0/24"; }
node_dir() { echo "$state/nodes/$(node_name "$1")"; }
# Unix sockets have a 108-byte path limit; node dirs under a deep checkout could exceed it.
node_socket_dir() { echo "/run/mnist-k8s/$(node_name "$1")"; }
# Which checkout started the cluster now on this machine (down.sh removes it with /run/mnist-k8s).
OWNER_FILE=/run/mnist-k8s/owner
containerd_socket() { echo "$(node_socket_dir "$1")/containerd.sock"; }

CONTROL_PLANE=(etcd kube-apiserver kube-controller-manager kube-scheduler coredns kwok volume-provisioner)
node_components() { local n; n=$(node_name "$1"); echo "containerd@$n kubelet@$n kube-proxy@$n"; }

# A global lock: up.sh, down.sh and node.sh never interleave, whichever checkout runs them
# (the namespaces and addresses are machine-wide). Components must not inherit fd 9.
lock_file=/tmp/mnist-k8s-kube.lock
take_lock() {
  exec 9>"$lock_file"
  flock 9
}

# ---- processes ---------------------------------------------------------------------------------
# The kernel's start time of process $1 (clock ticks since boot): with the pid, an identity that
# a recycled pid cannot fake. Fields after the command name, which may hold spaces or parens.
proc_start_time() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  # shellcheck disable=SC2086 # word splitting is the point
  set -- $stat
  echo "${20}"
}

# A pid file holds "pid start-time": the pid is trusted only while the process with that pid
# still has that start time, so a stale file (after a crash or a reboot) can never make
# down.sh signal another process.
pid_of() {
  local file=$run/$1.pid pid started
  [[ -f $file ]] || return 1
  read -r pid started <"$file" || return 1
  [[ -n $pid && -n $started && $(proc_start_time "$pid") == "$started" ]] || return 1
  echo "$pid"
}

# Starts component $1 inside network namespace $2 running $3 with the remaining arguments, in
# its own session so it outlives the shell (and test runner) that started it. `nsenter --net`,
# not `ip netns exec`: the latter remounts /sys, and runc then finds no cgroup mount.
start_in_netns() {
  local name=$1 netns=$2; shift 2
  mkdir -p "$logs" "$run"
  setsid nsenter --net="/run/netns/$netns" -- "$@" >"$logs/$name.log" 2>&1 </dev/null 9>&- &
  local pid=$!
  echo "$pid $(proc_start_time "$pid")" >"$run/$name.pid"
}

# Stops component $1: TERM, then KILL after $2 seconds (default 10).
stop_component() {
  local name=$1 grace=${2:-10} pid
  pid=$(pid_of "$name") || { rm -f "$run/$name.pid"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq $((grace * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$run/$name.pid"
  echo "stopped $name (pid $pid)"
}

netns_exists() { [[ -e /run/netns/$1 ]]; }
in_netns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" -- "$@"; }

# curl against the API server as the admin (system:masters) client.
api() {
  curl -sS --fail-with-body --max-time 10 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "$@"
}
