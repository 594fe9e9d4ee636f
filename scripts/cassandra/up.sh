#!/usr/bin/env bash
# Starts nodes 1..N (N = 1 or 3) of the local Cassandra cluster and waits until each answers
# CQL. Nodes already running are left alone, so a second `up` is a fast no-op.
# AUTH=1 enables PasswordAuthenticator/CassandraAuthorizer (superuser cassandra/cassandra).
source "$(dirname "$0")/lib.sh"

nodes="${1:-${NODES:-1}}"
[[ "$nodes" == 1 || "$nodes" == 3 ]] || die "usage: up.sh 1|3 (got '$nodes')"
auth_mode="${AUTH:-0}"

hold_cluster_lock --exclusive

if [[ -f "$STATE_DIR/auth-mode" && "$(cat "$STATE_DIR/auth-mode")" != "$auth_mode" ]]; then
  for n in $(seq 1 $MAX_NODES); do
    [[ -z "$(node_pid "$n")" ]] || die "cluster is running with AUTH=$(cat "$STATE_DIR/auth-mode"); run 'make cassandra-down' first to switch to AUTH=$auth_mode"
  done
fi
echo "$auth_mode" >"$STATE_DIR/auth-mode"
# The cluster's size only grows (1 -> 3); it decides every node's seed list.
if (($(cat "$STATE_DIR/size" 2>/dev/null || echo 0) < nodes)); then echo "$nodes" >"$STATE_DIR/size"; fi

to_start=()
for n in $(seq 1 "$nodes"); do
  if [[ -n "$(node_pid "$n")" ]]; then
    continue
  fi
  if cql_answers "$n"; then
    die "$(node_address "$n"):9042 already answers CQL but is not a node of $STATE_DIR: stop that process first"
  fi
  to_start+=("$n")
done

if ((${#to_start[@]} > 0)); then
  fetch_cassandra
  for n in "${to_start[@]}"; do with_launch_lock launch_node_if_down "$n"; done
fi
for n in $(seq 1 "$nodes"); do
  if [[ " ${to_start[*]} " == *" $n "* ]]; then wait_for_node "$n"
  elif cql_answers "$n"; then log "node $n ($(node_address "$n")) already up"
  else wait_for_node "$n"
  fi
done
# Nodes already running settled when they started (here or in node.sh start).
((${#to_start[@]} == 0)) || wait_for_settled
log "$nodes node(s) up (AUTH=$auth_mode)"
