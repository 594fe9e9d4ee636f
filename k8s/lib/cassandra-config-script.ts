/**
 * Shell script of the Cassandra pods' `config` init container.
 *
 * The official `cassandra` image configures itself by editing /etc/cassandra/cassandra.yaml in
 * place from env vars (seeds, cluster name, snitch, dc/rack) but has no variable for the
 * authenticator. With a read-only root filesystem that directory cannot be edited either, so
 * this script copies the image's configuration into a writable emptyDir (mounted over
 * /etc/cassandra in the main container) and changes two things there:
 * - authentication and authorization on;
 * - `commitlog_sync: batch`: a replica acknowledges a write only once its commit log is fsynced.
 *   With the image's default (periodic, 10 s), a write acknowledged at QUORUM can be lost when
 *   its replicas crash together before the next sync; the project's fault test lost two that
 *   way with all nodes killed. "Answered 201 means kept" needs batch (cost: an fsync per write
 *   group, which concurrent writes share). Batch refuses a sync period, so that key goes.
 *
 * Cassandra 5.0 reads `authenticator:` / `authorizer:` either as a class name (scalar) or as a
 * `class_name:` mapping; the script replaces the whole top-level block, whichever form the image
 * ships, and appends it when absent. It runs under `sh -e`, as the image's user (999).
 */

/** Class Cassandra uses to check passwords (roles live in system_auth). */
export const PASSWORD_AUTHENTICATOR = 'org.apache.cassandra.auth.PasswordAuthenticator';
/** Class Cassandra uses to enforce GRANTs (the app role gets SELECT/MODIFY only). */
export const CASSANDRA_AUTHORIZER = 'org.apache.cassandra.auth.CassandraAuthorizer';

/** Commit log mode: fsync before acknowledging a write (see above). */
export const COMMITLOG_SYNC = 'batch';

/** Directory the init container fills; mounted at /etc/cassandra in the Cassandra container. */
export const CONFIG_STAGING_DIR = '/config';

/**
 * The script for a given source and target directory (parameters so a unit test can run it on
 * sample files; in the pod it is `/etc/cassandra` -> `/config`).
 */
export function renderCassandraConfigScript(sourceDir = '/etc/cassandra', targetDir = CONFIG_STAGING_DIR): string {
  return [
    'set -eu',
    `cp -R "${sourceDir}/." "${targetDir}/"`,
    `yaml="${targetDir}/cassandra.yaml"`,
    'set_class() {',
    '  awk -v key="$1" -v class="$2" \'',
    '    skipping && /^[[:space:]]/ { next }',
    '    { skipping = 0 }',
    '    $0 ~ "^" key ":" { print key ":"; print "  class_name: " class; skipping = 1; found = 1; next }',
    '    { print }',
    '    END { if (!found) { print key ":"; print "  class_name: " class } }',
    '  \' "$yaml" > "$yaml.new"',
    '  mv "$yaml.new" "$yaml"',
    '}',
    'set_scalar() {',
    '  awk -v key="$1" -v value="$2" \'',
    '    $0 ~ "^" key ":" { print key ": " value; found = 1; next }',
    '    { print }',
    '    END { if (!found) print key ": " value }',
    '  \' "$yaml" > "$yaml.new"',
    '  mv "$yaml.new" "$yaml"',
    '}',
    'drop_key() {',
    '  awk -v key="$1" \'$0 !~ "^" key ":"\' "$yaml" > "$yaml.new"',
    '  mv "$yaml.new" "$yaml"',
    '}',
    `set_class authenticator ${PASSWORD_AUTHENTICATOR}`,
    `set_class authorizer ${CASSANDRA_AUTHORIZER}`,
    `set_scalar commitlog_sync ${COMMITLOG_SYNC}`,
    'drop_key commitlog_sync_period',
    'drop_key commitlog_sync_period_in_ms',
    'drop_key commitlog_sync_group_window',
    'echo "cassandra.yaml: authentication and authorization on, commit log fsynced before acknowledging"',
    'grep -A1 -E "^(authenticator|authorizer):" "$yaml"',
    'grep -E "^commitlog_sync" "$yaml"',
  ].join('\n');
}
