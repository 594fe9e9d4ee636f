#!/usr/bin/env bash
# One node of the local cluster, for fault tests and people:
#   node.sh stop <n>    graceful stop (SIGTERM), data kept
#   node.sh kill <n>    SIGKILL the JVM (a crash), data kept
#   node.sh start <n>   start it again and wait until it answers CQL
#   node.sh status <n>  prints "up <pid>", "starting <pid>" or "down"
source "$(dirname "$0")/lib.sh"

usage() { die "usage: node.sh stop|kill|start|status <1..3>"; }
(($# == 2)) || usage
action="$1" n="$2"
check_node_number "$n"

case "$action" in
  stop) stop_node "$n" TERM ;;
  kill) stop_node "$n" KILL ;;
  start)
    hold_cluster_lock --shared
    [[ -f "$(node_dir "$n")/conf/cassandra.yaml" ]] || die "node $n was never started by up.sh"
    AUTH="$(cat "$STATE_DIR/auth-mode" 2>/dev/null || echo 0)"
    export AUTH
    fetch_cassandra
    with_launch_lock launch_node_if_down "$n"
    wait_for_node "$n"
    wait_for_settled
    ;;
  status)
    pid="$(node_pid "$n")"
    if [[ -z "$pid" ]]; then echo down
    elif cql_answers "$n"; then echo "up $pid"
    else echo "starting $pid"
    fi
    ;;
  *) usage ;;
esac
