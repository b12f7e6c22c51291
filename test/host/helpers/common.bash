# shellcheck shell=bash
# Shared setup for test/host/*.bats: one set of throwaway services per .bats file.
# shellcheck disable=SC1091 # checked on its own (test/host/lint.bats)
source "$BATS_TEST_DIRNAME/helpers/services.bash"

SCRIPTS=$HOST_TEST_REPO_ROOT/scripts/host
export SCRIPTS

# Start source and target PostgreSQL, two Redis servers and the REST repository server.
common_setup_file() {
  svc_init
  export COOP_CONFIG_DIR=$SVC_ROOT/etc DST_CONFIG_DIR=$SVC_ROOT/etc-dst
  export TMPDIR=$SVC_ROOT/tmp
  mkdir -p "$TMPDIR"
  svc_pg_start src
  svc_pg_start dst
  svc_redis_start src
  svc_redis_start dst
  svc_rest_start
  # Persist what the tests need (setup_file's exports reach the tests, but be explicit).
  export PG_SRC_PORT PG_DST_PORT REDIS_SRC_PORT REDIS_DST_PORT REST_PORT REST_DIR
}

common_teardown_file() {
  # Health responders started by drill tests.
  local f
  for f in "$SVC_ROOT"/health-*.pid; do
    [[ -f $f ]] && kill "$(cat "$f")" 2>/dev/null
  done
  svc_stop_all
}

# src_config NAME [KEY=VALUE...]: a config for backing up source database mastodon_NAME.
src_config() {
  local name=$1
  shift
  fx_config "$name" APP_DIR="$SVC_ROOT/app-$name" STATE_DIR="$SVC_ROOT/state-$name" \
    PGHOST=127.0.0.1 PGPORT="$PG_SRC_PORT" PGUSER=postgres PGDATABASE="mastodon_$name" PG_JOBS=2 \
    REDIS_HOST=127.0.0.1 REDIS_PORT="$REDIS_SRC_PORT" REDIS_DB=2 \
    RESTIC_REPOSITORY="rest:http://127.0.0.1:$REST_PORT/repo-$name" CHECK_SUBSET=100% \
    RESTIC_PASSWORD="pw-$name-S3cr3t" "$@"
}

# dst_config NAME [KEY=VALUE...]: the restore target of instance NAME, as a second host
# would have it: its own config dir ($DST_CONFIG_DIR), target cluster, target Redis, same
# repository and password. Run restores with: COOP_CONFIG_DIR=$DST_CONFIG_DIR coop-restore …
dst_config() {
  local name=$1
  shift
  COOP_CONFIG_DIR=$DST_CONFIG_DIR fx_config "$name" APP_DIR="$SVC_ROOT/dst/app-$name" \
    STATE_DIR="$SVC_ROOT/dst/state-$name" \
    PGHOST=127.0.0.1 PGPORT="$PG_DST_PORT" PGUSER="mastodon_$name" PGDATABASE="mastodon_$name" PG_JOBS=2 \
    REDIS_HOST=127.0.0.1 REDIS_PORT="$REDIS_DST_PORT" REDIS_DB=4 \
    RESTIC_REPOSITORY="rest:http://127.0.0.1:$REST_PORT/repo-$name" CHECK_SUBSET=100% \
    RESTIC_PASSWORD="pw-$name-S3cr3t" "$@"
}

restore() { COOP_CONFIG_DIR=$DST_CONFIG_DIR "$SCRIPTS/coop-restore" "$@"; }
drill() { COOP_CONFIG_DIR=$DST_CONFIG_DIR "$SCRIPTS/coop-drill" "$@"; }
backup() { "$SCRIPTS/coop-backup" "$@"; }

# make_source NAME STATUSES: database mastodon_NAME on the source cluster, owned by role
# mastodon_NAME (with a grant to a role only the source has), an APP_DIR and Redis keys.
make_source() {
  local name=$1 n=$2
  svc_psql "$PG_SRC_PORT" -d postgres -c "CREATE ROLE mastodon_$name LOGIN" \
    -c "DO \$\$ BEGIN CREATE ROLE source_only_reader; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$"
  fx_dataset "$PG_SRC_PORT" "mastodon_$name" "$n" "mastodon_$name"
  svc_psql "$PG_SRC_PORT" -d "mastodon_$name" -c "GRANT SELECT ON statuses TO source_only_reader"
  fx_app_dir "$SVC_ROOT/app-$name" "$name.example"
}

# Snapshot ids of an instance in its repository (oldest first).
snapshot_ids() {
  fx_restic "$1" snapshots --json --tag "instance=$1" | jq -r 'sort_by(.time) | .[].id'
}
