#!/usr/bin/env bash
# Exit 0 when nodes 1..N (default: the cluster's size, else 3) all answer CQL; prints one line a node.
source "$(dirname "$0")/lib.sh"
nodes="${1:-$(cat "$STATE_DIR/size" 2>/dev/null || echo 3)}"
status=0
for n in $(seq 1 "$nodes"); do
  pid="$(node_pid "$n")"
  if [[ -n "$pid" ]] && cql_answers "$n"; then echo "node $n $(node_address "$n") up (pid $pid)"
  elif [[ -n "$pid" ]]; then echo "node $n $(node_address "$n") starting (pid $pid)"; status=1
  else echo "node $n $(node_address "$n") down"; status=1
  fi
done
exit "$status"
