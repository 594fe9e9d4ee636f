# Sourced by up.sh and down.sh: the cluster's network, built from network namespaces and veth
# pairs only. The host gains one interface (mnist-host, 10.250.0.1/24) and nothing else: no
# route, iptables rule or sysctl of the host changes. Everything else is inside namespaces:
#
#   host ── mnist-host ═╗
#                       ║   mnist-cp: bridge "nodes" 10.250.0.2/24 (API server, CoreDNS)
#   mnist-worker  eth0 ═╣   10.250.0.11, pods on cni0 10.244.1.0/24
#   mnist-worker2 eth0 ═╣   10.250.0.12, pods on cni0 10.244.2.0/24
#   mnist-worker3 eth0 ═╝   10.250.0.13, pods on cni0 10.244.3.0/24
#
# Pods reach pods on other nodes through static routes (no overlay), Services through each
# node's kube-proxy (iptables, inside the node's namespace).

# Fails with a clear reason when the plan collides with something already on the machine.
check_network_free() {
  if ip -o addr show | grep -q " ${HOST_IP%.*}\."; then
    if ip link show "$HOST_VETH" >/dev/null 2>&1; then
      echo "kube-up: $HOST_VETH exists: a local cluster is already running (make kube-down first)" >&2
    else
      echo "kube-up: the host already uses 10.250.0.0/24; the local cluster needs it" >&2
    fi
    return 1
  fi
}

# Writes a per-namespace sysctl from inside that namespace (/proc/sys/net is per namespace).
netns_sysctl() { in_netns "$1" sysctl -qw "$2"; }

create_network() {
  local i ns
  check_network_free
  ip netns add "$CP_NETNS"
  in_netns "$CP_NETNS" ip link set lo up
  in_netns "$CP_NETNS" ip link add nodes type bridge
  in_netns "$CP_NETNS" ip addr add "$CP_IP/$NODE_SUBNET_BITS" dev nodes
  in_netns "$CP_NETNS" ip link set nodes up

  # The host's end keeps its address; the other end is a port of the bridge.
  ip link add "$HOST_VETH" type veth peer name host netns "$CP_NETNS"
  ip addr add "$HOST_IP/$NODE_SUBNET_BITS" dev "$HOST_VETH"
  ip link set "$HOST_VETH" up
  in_netns "$CP_NETNS" ip link set host master nodes up

  for ((i = 1; i <= REAL_NODES; i++)); do
    ns=$(node_name "$i")
    ip netns add "$ns"
    in_netns "$ns" ip link set lo up
    ip link add "node$i" netns "$CP_NETNS" type veth peer name eth0 netns "$ns"
    in_netns "$CP_NETNS" ip link set "node$i" master nodes up
    in_netns "$ns" ip addr add "$(node_ip "$i")/$NODE_SUBNET_BITS" dev eth0
    in_netns "$ns" ip link set eth0 up
    # A node forwards between its pods' bridge and eth0; Services need bridged traffic to pass
    # iptables (kube-proxy's rules); both settings are per namespace.
    netns_sysctl "$ns" net.ipv4.ip_forward=1
    netns_sysctl "$ns" net.bridge.bridge-nf-call-iptables=1
  done
  add_pod_routes
  echo "network: $CP_NETNS ($CP_IP) and $REAL_NODES node namespaces; host side $HOST_VETH ($HOST_IP)"
}

# Every namespace but a node's own reaches that node's pods through the node's address.
add_pod_routes() {
  local i j
  for ((i = 1; i <= REAL_NODES; i++)); do
    in_netns "$CP_NETNS" ip route add "$(node_pod_cidr "$i")" via "$(node_ip "$i")"
    for ((j = 1; j <= REAL_NODES; j++)); do
      ((i == j)) || in_netns "$(node_name "$j")" ip route add "$(node_pod_cidr "$i")" via "$(node_ip "$i")"
    done
  done
}

# Deleting a namespace deletes its interfaces, routes, iptables rules and the far end of every
# veth pair; pod namespaces are containerd's (cleaned by the node teardown).
delete_network() {
  local ns
  # Whatever node count the cluster was started with.
  for ns in /run/netns/mnist-worker*; do
    [[ -e $ns ]] && ip netns delete "${ns##*/}"
  done
  netns_exists "$CP_NETNS" && ip netns delete "$CP_NETNS"
  ip link show "$HOST_VETH" >/dev/null 2>&1 && ip link delete "$HOST_VETH"
  return 0
}
