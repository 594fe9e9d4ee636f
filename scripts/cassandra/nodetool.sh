#!/usr/bin/env bash
# nodetool against local node n over its JMX port: scripts/cassandra/nodetool.sh 1 status
source "$(dirname "$0")/lib.sh"
(($# >= 1)) || die "usage: nodetool.sh <1..3> <nodetool command...>"
n="$1"; shift
check_node_number "$n"
fetch_cassandra
mapfile -t module_flags < <(grep -E '^(--add-|-Djdk)' "$SCRIPT_DIR/jvm17-server.options")
exec "$(find_java)" "${module_flags[@]}" -Xmx128m -Dlogback.configurationFile="file://$SCRIPT_DIR/logback-tools.xml" \
  -cp "$CACHE_DIR/lib/*" org.apache.cassandra.tools.NodeTool -h 127.0.0.1 -p "$(node_jmx_port "$n")" "$@"
