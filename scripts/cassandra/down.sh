#!/usr/bin/env bash
# Stops every local node and removes their data and logs (the jar cache stays).
source "$(dirname "$0")/lib.sh"

[[ -d "$STATE_DIR" ]] || { log "nothing to stop"; exit 0; }
hold_cluster_lock --exclusive
for n in $(seq 1 $MAX_NODES); do stop_node "$n" & done
wait
find "$STATE_DIR" -mindepth 1 -maxdepth 1 ! -name '.*lock' -exec rm -rf {} +
log "cluster stopped, state removed"
