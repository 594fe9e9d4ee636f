# Shared helpers of up.sh and down.sh: paths, process bookkeeping, API calls with the admin cert.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/versions.sh"
repo=$(cd "$here/../.." && pwd)
state=$repo/.kube
pki=$state/pki
logs=$state/logs
run=$state/run
# Loopback ports; overridable when something else already listens there.
ETCD_PORT=${ETCD_PORT:-12379}
ETCD_PEER_PORT=${ETCD_PEER_PORT:-12380}
KUBE_API_PORT=${KUBE_API_PORT:-16443}
KCM_PORT=${KCM_PORT:-10257}
SCHEDULER_PORT=${SCHEDULER_PORT:-10259}
KWOK_PORT=${KWOK_PORT:-10247}
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
# up.sh and down.sh hold this lock, so two of them (a test starting the cluster while a person
# stops it) never interleave. Outside .kube/ because down.sh removes that folder.
lock_file=/tmp/mnist-kube-$(printf '%s' "$repo" | md5sum | cut -c1-12).lock

# Takes the lock on fd 9, waiting for whoever holds it; components must not inherit fd 9.
take_lock() {
  exec 9>"$lock_file"
  flock 9
}
api_url=https://127.0.0.1:$KUBE_API_PORT

# The pid of a component we started, if it is still alive.
pid_of() {
  local file=$run/$1.pid
  [[ -f $file ]] || return 1
  local pid
  pid=$(<"$file")
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

# curl against the API server as the admin (system:masters) client.
api() {
  curl -sS --fail-with-body --max-time 10 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "$@"
}

# Stops every component we started, newest first: TERM, then KILL after 10 s.
stop_all() {
  local i name pid
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    name=${COMPONENTS[i]}
    pid=$(pid_of "$name") || { rm -f "$run/$name.pid"; continue; }
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    rm -f "$run/$name.pid"
    echo "stopped $name (pid $pid)"
  done
}
