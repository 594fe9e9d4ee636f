#!/bin/bash
# Entrypoint of the project's Cassandra image, behaving like the official image's: before
# `cassandra` starts it writes these variables into the configuration under $CASSANDRA_CONF
# (/etc/cassandra; in the pod a writable emptyDir the `config` init container filled):
#   CASSANDRA_SEEDS                 seed list (default: the broadcast address)
#   CASSANDRA_CLUSTER_NAME, CASSANDRA_NUM_TOKENS, CASSANDRA_ENDPOINT_SNITCH
#   CASSANDRA_LISTEN_ADDRESS        default `auto`: this container's first non-loopback IPv4
#                                   address (the pod IP), 127.0.0.1 in a loopback-only namespace
#   CASSANDRA_BROADCAST_ADDRESS     default: the listen address
#   CASSANDRA_RPC_ADDRESS           default 0.0.0.0 (all interfaces)
#   CASSANDRA_BROADCAST_RPC_ADDRESS default: the broadcast address
#   CASSANDRA_DC, CASSANDRA_RACK    into cassandra-rackdc.properties (GossipingPropertyFileSnitch)
# Any other command (sh, cqlsh, nodetool...) runs as given, configuration untouched.
set -euo pipefail
conf="${CASSANDRA_CONF:-/etc/cassandra}"

# No arguments, or options only: they are cassandra's.
if (($# == 0)) || [[ $1 == -* ]]; then set -- cassandra -f "$@"; fi

# Started as root (no --user): give the writable directories to the cassandra user and run as
# it, as the official image does with gosu (setpriv comes with util-linux).
if [[ $1 == cassandra && $(id -u) == 0 ]]; then
  find /var/lib/cassandra /var/log/cassandra "$conf" ! -user cassandra -exec chown cassandra: '{}' +
  exec setpriv --reuid=cassandra --regid=cassandra --init-groups "${BASH_SOURCE[0]}" "$@"
fi

first_address() {
  local address
  address="$(ip -o -4 address show scope global 2>/dev/null | awk '{ split($4, a, "/"); print a[1]; exit }')"
  echo "${address:-127.0.0.1}"
}

# Rewrites a file through a temporary copy and `cat >`, not `mv`: the target may be a bind-mounted
# file, and its directory need not be writable.
rewrite() { # FILE AWK-PROGRAM [awk -v assignments...]
  local file="$1" program="$2" tmp; shift 2
  tmp="$(mktemp)"
  awk "$@" "$program" "$file" >"$tmp"
  cat "$tmp" >"$file"
  rm -f "$tmp"
}

# `key: value` for a top-level cassandra.yaml key, in place of its first line, also where the
# file has it commented out (`# key:`); later lines of that key go (no duplicate keys); appended
# when absent.
set_yaml() { # KEY VALUE
  rewrite "$conf/cassandra.yaml" '
    $0 ~ "^(# )?" key ":" { if (!done) print key ": " value; done = 1; next }
    { print }
    END { if (!done) print key ": " value }' -v key="$1" -v value="$2"
}

if [[ $1 == cassandra ]]; then
  : "${CASSANDRA_RPC_ADDRESS:=0.0.0.0}"
  : "${CASSANDRA_LISTEN_ADDRESS:=auto}"
  [[ $CASSANDRA_LISTEN_ADDRESS == auto ]] && CASSANDRA_LISTEN_ADDRESS="$(first_address)"
  : "${CASSANDRA_BROADCAST_ADDRESS:=$CASSANDRA_LISTEN_ADDRESS}"
  [[ $CASSANDRA_BROADCAST_ADDRESS == auto ]] && CASSANDRA_BROADCAST_ADDRESS="$(first_address)"
  : "${CASSANDRA_BROADCAST_RPC_ADDRESS:=$CASSANDRA_BROADCAST_ADDRESS}"
  : "${CASSANDRA_SEEDS:=$CASSANDRA_BROADCAST_ADDRESS}"

  rewrite "$conf/cassandra.yaml" '
    /^[[:space:]]*- seeds:/ { sub(/- seeds:.*/, "- seeds: \"" seeds "\"") }
    { print }' -v seeds="$CASSANDRA_SEEDS"
  for key in broadcast_address broadcast_rpc_address cluster_name endpoint_snitch listen_address num_tokens rpc_address; do
    var="CASSANDRA_${key^^}"
    [[ -n "${!var:-}" ]] && set_yaml "$key" "${!var}"
  done
  for key in dc rack; do
    var="CASSANDRA_${key^^}"
    [[ -n "${!var:-}" ]] && rewrite "$conf/cassandra-rackdc.properties" '
      $0 ~ "^" key "=" { print key "=" value; next }
      { print }' -v key="$key" -v value="${!var}"
  done
  echo "cassandra: listen $CASSANDRA_LISTEN_ADDRESS, broadcast $CASSANDRA_BROADCAST_ADDRESS, rpc $CASSANDRA_RPC_ADDRESS, seeds $CASSANDRA_SEEDS"
fi

exec "$@"
