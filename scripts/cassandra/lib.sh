#!/usr/bin/env bash
# Shared by up.sh, down.sh and node.sh: where things live and how one local node is
# fetched, configured, started, probed and stopped. Node n (1..3) listens on 127.0.0.n.
set -euo pipefail

CASSANDRA_VERSION="${CASSANDRA_VERSION:-5.0.8}"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
STATE_DIR="${CASSANDRA_STATE_DIR:-$REPO_ROOT/.cassandra}"
CACHE_DIR="${MNIST_CACHE:-$HOME/.cache/mnist-k8s}/cassandra/$CASSANDRA_VERSION"
HEAP="${CASSANDRA_HEAP:-512m}"
START_TIMEOUT_S="${CASSANDRA_START_TIMEOUT_S:-240}"
MAX_NODES=3
SETTLE_TIMEOUT_S="${CASSANDRA_SETTLE_TIMEOUT_S:-180}"
SETTLE_RESET_S="${CASSANDRA_SETTLE_RESET_S:-45}"

log() { printf '[cassandra] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

node_dir() { echo "$STATE_DIR/node$1"; }
node_address() { echo "127.0.0.$1"; }
node_jmx_port() { echo $((7199 + ($1 - 1) * 100)); }
# Balanced Murmur3 tokens for three nodes: -2^63 + (n-1) * floor(2^64/3).
node_token() {
  case "$1" in
    1) echo "-9223372036854775808" ;;
    2) echo "-3074457345618258603" ;;
    3) echo "3074457345618258602" ;;
    *) die "node must be 1..$MAX_NODES, got $1" ;;
  esac
}

check_node_number() {
  [[ "$1" =~ ^[1-3]$ ]] || die "node must be 1..$MAX_NODES, got '$1'"
}

find_java() {
  local candidate
  for candidate in "${JAVA_HOME:+$JAVA_HOME/bin/java}" /usr/lib/jvm/java-17-openjdk-amd64/bin/java "$(command -v java || true)"; do
    [[ -n "$candidate" && -x "$candidate" ]] || continue
    # Cassandra 5.0 runs on Java 11 and 17 only.
    if "$candidate" -version 2>&1 | head -1 | grep -Eq '"(11|17)\.'; then echo "$candidate"; return; fi
  done
  die "no Java 11 or 17 found (install openjdk-17-jre-headless or set JAVA_HOME)"
}

# Downloads Cassandra's jars (cassandra-all and its runtime dependencies) from Maven Central
# once; later runs find "$CACHE_DIR/lib/.complete" and return at once.
fetch_cassandra() {
  [[ -f "$CACHE_DIR/lib/.complete" ]] && return
  mkdir -p "$CACHE_DIR"
  (
    flock 9
    [[ -f "$CACHE_DIR/lib/.complete" ]] && exit 0
    command -v mvn >/dev/null || die "mvn not found (apt-get install maven) to fetch Cassandra $CASSANDRA_VERSION"
    log "fetching Cassandra $CASSANDRA_VERSION jars from Maven Central into $CACHE_DIR/lib"
    rm -rf "$CACHE_DIR/lib.tmp"
    mvn -q -B -f "$SCRIPT_DIR/pom.xml" -Dcassandra.version="$CASSANDRA_VERSION" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$CACHE_DIR/lib.tmp" >&2 \
      || die "mvn could not fetch org.apache.cassandra:cassandra-all:$CASSANDRA_VERSION"
    ls "$CACHE_DIR/lib.tmp"/cassandra-all-*.jar >/dev/null || die "cassandra-all jar missing after fetch"
    touch "$CACHE_DIR/lib.tmp/.complete"
    rm -rf "$CACHE_DIR/lib" && mv "$CACHE_DIR/lib.tmp" "$CACHE_DIR/lib"
  ) 9>"$CACHE_DIR/.fetch.lock"
}

# PID of node n when its JVM is alive, else nothing. Only reads: several scripts ask at once
# while another one launches the node, and a reader that deleted a pid file it took for stale
# could delete the one just written. A pid file that is missing or names another process is
# covered by finding the JVM by its storage dir, so a running node is never taken for a stopped
# one (a kill that kills nothing, a second JVM launched onto the first one's ports).
node_pid() {
  local pid dir
  dir="$(node_dir "$1")"
  pid="$(cat "$dir/pid" 2>/dev/null || true)"
  if [[ -n "$pid" ]] && { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -q "cassandra.storagedir=$dir "; then
    echo "$pid"
  else
    pgrep -f -- "-Dcassandra.storagedir=$dir( |\$)" | head -1 || true
  fi
}

# The probes below run TypeScript (cql-ready.ts, with the driver the app uses) through tsx.
tsx_bin() {
  local tsx="$REPO_ROOT/node_modules/.bin/tsx"
  [[ -x "$tsx" ]] || die "$tsx is missing: run 'make install' first"
  echo "$tsx"
}

# True when 127.0.0.n:9042 answers CQL (the driver's handshake; see cql-ready.ts). One look.
cql_answers() {
  "$(tsx_bin)" "$SCRIPT_DIR/cql-ready.ts" "$1" 2>/dev/null
}

render_config() {
  local n="$1" dir authenticator authorizer
  dir="$(node_dir "$n")"
  if [[ "${AUTH:-0}" == "1" ]]; then
    authenticator=PasswordAuthenticator authorizer=CassandraAuthorizer
  else
    authenticator=AllowAllAuthenticator authorizer=AllowAllAuthorizer
  fi
  mkdir -p "$dir/conf" "$dir/logs" "$dir/data"
  local size seeds="" i
  size="$(cat "$STATE_DIR/size" 2>/dev/null || echo "$n")"
  for i in $(seq 1 "$size"); do seeds+="${seeds:+,}$(node_address "$i"):7000"; done
  sed -e "s|@TOKEN@|$(node_token "$n")|" -e "s|@ADDRESS@|$(node_address "$n")|g" -e "s|@NODE_DIR@|$dir|g" -e "s|@SEEDS@|$seeds|" \
    -e "s|@AUTHENTICATOR@|$authenticator|" -e "s|@AUTHORIZER@|$authorizer|" \
    "$SCRIPT_DIR/cassandra.yaml.template" >"$dir/conf/cassandra.yaml"
  cp "$SCRIPT_DIR/logback.xml" "$dir/conf/logback.xml"
}

# The cluster lock, held until the script exits: up.sh and down.sh take it exclusively, node.sh
# start shares it. So a start never interleaves with a down (which deletes the node directories
# under it) or an up (which writes the cluster's size and auth mode), while several node starts
# (the fault tests restart all three nodes at once) still run together.
hold_cluster_lock() { # --exclusive | --shared
  mkdir -p "$STATE_DIR"
  exec 8>"$STATE_DIR/.lock"
  flock "$1" 8
}

# Serializes launches (up.sh, node.sh start) so two callers never start the same node twice.
# Held only while checking and launching, not while waiting for CQL.
with_launch_lock() {
  mkdir -p "$STATE_DIR"
  (
    flock 7
    "$@"
  ) 7>"$STATE_DIR/.launch.lock"
}

# Launches node n unless its JVM is already running.
launch_node_if_down() {
  [[ -n "$(node_pid "$1")" ]] && return 0
  log "starting node $1 on $(node_address "$1") (JMX $(node_jmx_port "$1"), heap $HEAP, logs $(node_dir "$1")/logs)"
  launch_node "$1"
}

# Launches node n's JVM detached from the caller (its own session), pid in node<n>/pid.
launch_node() {
  local n="$1" dir java jamm
  dir="$(node_dir "$n")"
  java="$(find_java)"
  render_config "$n"
  jamm="$(ls "$CACHE_DIR"/lib/jamm-*.jar | head -1)"
  mapfile -t flags < <(grep -E '^-' "$SCRIPT_DIR/jvm17-server.options")
  # Appended, not truncated: a restarted node's earlier life is what a fault diagnosis needs.
  printf '==== launch %s\n' "$(date -u +%FT%TZ)" >>"$dir/logs/system.log"
  setsid nohup "$java" "${flags[@]}" -Xms"$HEAP" -Xmx"$HEAP" -Xmn128m \
    -javaagent:"$jamm" \
    -Dcassandra.config="file://$dir/conf/cassandra.yaml" \
    -Dlogback.configurationFile="file://$dir/conf/logback.xml" \
    -Dcassandra.logdir="$dir/logs" -Dcassandra.storagedir="$dir" \
    -Dcassandra.jmx.local.port="$(node_jmx_port "$n")" \
    -cp "$CACHE_DIR/lib/*" org.apache.cassandra.service.CassandraDaemon \
    >"$dir/logs/console.log" 2>&1 </dev/null 7>&- 8>&- 9>&- &
  # Written whole, then renamed: a concurrent node_pid never reads a half-written file.
  echo $! >"$dir/pid.$$" && mv -f "$dir/pid.$$" "$dir/pid"
  date +%s%N >"$dir/started-at"
}

print_last_log_lines() {
  local dir
  dir="$(node_dir "$1")"
  log "last lines of node $1 logs ($dir/logs):"
  tail -n 30 "$dir/logs/system.log" >&2 2>/dev/null || true
  tail -n 15 "$dir/logs/console.log" >&2 2>/dev/null || true
}

# Waits until node n answers CQL; prints its start-up time. Fails (with the log tail) when
# the JVM dies or the timeout passes. One cql-ready.ts process polls for the whole wait, in the
# background, while this loop watches the JVM: a Node start per look would take CPU from the
# JVMs starting on the same 2 cores.
wait_for_node() {
  local n="$1" waiter started elapsed_ms absent=0
  "$(tsx_bin)" "$SCRIPT_DIR/cql-ready.ts" --wait-s "$START_TIMEOUT_S" "$n" &
  waiter=$!
  while kill -0 "$waiter" 2>/dev/null; do
    # Three looks in a row: a JVM between fork and exec is not yet findable by its command line.
    if [[ -z "$(node_pid "$n")" ]]; then absent=$((absent + 1)); else absent=0; fi
    if ((absent >= 3)); then
      kill "$waiter" 2>/dev/null || true
      wait "$waiter" 2>/dev/null || true
      print_last_log_lines "$n"
      die "node $n ($(node_address "$n")) exited during start-up"
    fi
    sleep 0.5
  done
  if ! wait "$waiter"; then
    print_last_log_lines "$n"
    die "node $n ($(node_address "$n")) did not answer CQL within ${START_TIMEOUT_S}s"
  fi
  started="$(cat "$(node_dir "$n")/started-at" 2>/dev/null || date +%s%N)"
  elapsed_ms=$((($(date +%s%N) - started) / 1000000))
  log "node $n ($(node_address "$n")) answers CQL after $((elapsed_ms / 1000)).$(printf '%03d' $((elapsed_ms % 1000)))s"
}

# Waits until every running node sees the others up and agrees on one schema (why, and the
# schema reset it may do: settle.ts). Deciding that means reading nodetool's report on each node,
# which is done in TypeScript, tested on fixtures (schema-agreement.test.ts).
wait_for_settled() {
  local running=() n
  for n in $(seq 1 "$MAX_NODES"); do [[ -n "$(node_pid "$n")" ]] && running+=("$n"); done
  ((${#running[@]} > 1)) || return 0
  "$(tsx_bin)" "$SCRIPT_DIR/settle.ts" --timeout-s "$SETTLE_TIMEOUT_S" --reset-s "$SETTLE_RESET_S" "${running[@]}" || exit 1
}

# Stops node n: SIGTERM (or the given signal), then waits for the JVM to exit.
stop_node() {
  local n="$1" signal="${2:-TERM}" pid i
  pid="$(node_pid "$n")"
  [[ -n "$pid" ]] || { log "node $n is not running"; return 0; }
  kill "-$signal" "$pid" 2>/dev/null || true
  for i in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    # A graceful stop that hangs for 30 s is finished with SIGKILL.
    ((i == 300)) && kill -KILL "$pid" 2>/dev/null || true
    sleep 0.1
  done
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$(node_dir "$n")/pid"
  log "node $n stopped ($signal)"
}
