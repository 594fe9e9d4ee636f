/**
 * Shell script of the keyspace bootstrap's `superuser` init container (runs `cqlsh` from the
 * Cassandra image). A fresh ring with PasswordAuthenticator has one role, `cassandra` with
 * password `cassandra`, and keeps system_auth at replication factor 1. This script:
 *  1. waits until a node answers CQL (the Job may start while the ring is still coming up);
 *  2. logs in with the generated Secret's password, or on a fresh ring with the built-in default;
 *  3. replicates system_auth to every node of the data centre (RF = ring size), so a login does
 *     not depend on the one node holding the role row;
 *  4. sets the superuser's password to the Secret's value (re-writing the role row, which now
 *     reaches every replica). Idempotent: on later runs step 2 succeeds with the Secret.
 * The generated password is alphanumeric (see GENERATED_SECRETS), so it needs no CQL escaping.
 *
 * Env: CASSANDRA_CONTACT_POINTS, CASSANDRA_PORT, CASSANDRA_LOCAL_DC, CASSANDRA_USERNAME,
 * CASSANDRA_PASSWORD, SYSTEM_AUTH_REPLICATION_FACTOR, WAIT_SECONDS.
 */
export const SUPERUSER_SCRIPT = `set -eu
export HOME=/tmp  # cqlsh keeps its history under ~/.cassandra
host="\${CASSANDRA_CONTACT_POINTS%%,*}"
cql() { cqlsh "$host" "$CASSANDRA_PORT" --connect-timeout=10 --request-timeout=60 -u "$1" -p "$2" -e "$3"; }
probe="SELECT release_version FROM system.local"
deadline=$(( $(date +%s) + WAIT_SECONDS ))
while :; do
  if cql "$CASSANDRA_USERNAME" "$CASSANDRA_PASSWORD" "$probe" >/dev/null 2>&1; then
    login_password="$CASSANDRA_PASSWORD"; echo "superuser: logged in with the Secret's password"; break
  fi
  if cql cassandra cassandra "$probe" >/dev/null 2>&1; then
    login_password=cassandra; echo "superuser: fresh ring, logged in with the built-in default role"; break
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "superuser: no CQL login after \${WAIT_SECONDS}s at $host:$CASSANDRA_PORT, neither with the Secret's" >&2
    echo "password nor the default. Is the ring up (kubectl get pods -l app.kubernetes.io/component=cassandra)?" >&2
    echo "Was the cassandra-superuser Secret replaced after the ring was initialised?" >&2
    exit 1
  fi
  echo "superuser: waiting for a CQL login at $host:$CASSANDRA_PORT"
  sleep 10
done
login_user=cassandra
[ "$login_password" = "$CASSANDRA_PASSWORD" ] && login_user="$CASSANDRA_USERNAME"
cql "$login_user" "$login_password" "ALTER KEYSPACE system_auth WITH replication = {'class': 'NetworkTopologyStrategy', '$CASSANDRA_LOCAL_DC': $SYSTEM_AUTH_REPLICATION_FACTOR}"
if [ "$CASSANDRA_USERNAME" = cassandra ]; then
  cql "$login_user" "$login_password" "ALTER ROLE cassandra WITH PASSWORD = '$CASSANDRA_PASSWORD'"
else
  cql "$login_user" "$login_password" "CREATE ROLE IF NOT EXISTS \\"$CASSANDRA_USERNAME\\" WITH SUPERUSER = true AND LOGIN = true AND PASSWORD = '$CASSANDRA_PASSWORD'"
fi
echo "superuser: system_auth replicated $SYSTEM_AUTH_REPLICATION_FACTOR times in $CASSANDRA_LOCAL_DC; password set from the Secret"
`;
