#!/usr/bin/env bash
# Restore benchmark (npm run bench:restore): coop-backup / coop-restore / coop-drill against
# bare pg_dump -Fd -j N / pg_restore -j N on the same Mastodon-like data.
#
# Env: BENCH_DB_MB   database size to build, default 1024 (MB, as pg_database_size)
#      BENCH_JOBS    -j for pg_dump/pg_restore on both sides, default nproc
#      BENCH_MEDIA_MB local media to back up, default 20
#      BENCH_KEEP=1  keep the work directory (printed) instead of removing it
# Runs as root with the Debian packages postgresql, redis-server, restic, rclone, jq and
# node; starts its own throwaway services on 127.0.0.1 (test/host/helpers/services.bash)
# and removes everything at the end. Rerunnable.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck disable=SC1091 # checked on its own (test/host/lint.bats)
source "$ROOT/test/host/helpers/services.bash"
SCRIPTS=$ROOT/scripts/host

DB_MB=${BENCH_DB_MB:-1024}
JOBS=${BENCH_JOBS:-$(nproc)}
MEDIA_MB=${BENCH_MEDIA_MB:-20}
[[ $DB_MB =~ ^[0-9]+$ && $DB_MB -ge 10 ]] || { echo "BENCH_DB_MB must be a number >= 10" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "run as root (starts PostgreSQL as the postgres user)" >&2; exit 2; }

cleanup() {
  local rc=$?
  if [[ ${BENCH_KEEP:-0} == 1 ]]; then
    echo "kept: $SVC_ROOT (services still running)" >&2
  else
    [[ -n ${HEALTH_PID_FILE:-} && -f $HEALTH_PID_FILE ]] && kill "$(cat "$HEALTH_PID_FILE")" 2>/dev/null
    svc_stop_all
  fi
  exit "$rc"
}

now() { printf '%s\n' "$EPOCHREALTIME"; }
dur() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", b - a }'; }
log() { printf '[bench] %s\n' "$*" >&2; }

svc_init
trap cleanup EXIT
trap 'echo "[bench] interrupted" >&2; exit 130' INT TERM
trap 'echo "[bench] failed at line $LINENO: $BASH_COMMAND" >&2' ERR
export TMPDIR=$SVC_ROOT/tmp COOP_CONFIG_DIR=$SVC_ROOT/etc
mkdir -p "$TMPDIR"
log "work directory $SVC_ROOT; database ${DB_MB} MB, jobs $JOBS"
svc_pg_start src
svc_pg_start dst
svc_redis_start src
svc_redis_start dst
svc_rest_start

# --- data ------------------------------------------------------------------------------
statuses=$(((DB_MB - 8) * 1230))
((statuses > 1000)) || statuses=1000
t0=$(now)
svc_psql "$PG_SRC_PORT" -d postgres -c "CREATE ROLE mastodon_bench LOGIN"
fx_dataset "$PG_SRC_PORT" mastodon_bench "$statuses" mastodon_bench 2>"$SVC_ROOT/dataset.log" ||
  { tail -n 5 "$SVC_ROOT/dataset.log" >&2; exit 1; }
db_bytes=$(svc_psql "$PG_SRC_PORT" -d postgres -At -c "SELECT pg_database_size('mastodon_bench')")
log "dataset: $statuses statuses, $((db_bytes / 1048576)) MB in $(dur "$t0" "$(now)") s"
fx_app_dir "$SVC_ROOT/app" bench.example
for i in $(seq 1 "$MEDIA_MB"); do
  d=$SVC_ROOT/app/public/system/media_attachments/files/100/$(printf '%03d' "$i")/original
  mkdir -p "$d"
  head -c 1048576 /dev/urandom >"$d/$i.jpg"
done
for i in $(seq 1 500); do redis-cli -p "$REDIS_SRC_PORT" -n 1 SET "feed:home:$i" "$(seq 1 50 | tr '\n' ,)" >/dev/null; done

fx_config bench APP_DIR="$SVC_ROOT/app" STATE_DIR="$SVC_ROOT/state" PGHOST=127.0.0.1 PGPORT="$PG_SRC_PORT" \
  PGUSER=postgres PGDATABASE=mastodon_bench PG_JOBS="$JOBS" REDIS_HOST=127.0.0.1 REDIS_PORT="$REDIS_SRC_PORT" \
  REDIS_DB=1 RESTIC_REPOSITORY="rest:http://127.0.0.1:$REST_PORT/bench" KEEP_DAILY=7 CHECK_SUBSET=5% \
  RESTIC_PASSWORD="bench-$RANDOM$RANDOM"
DST_CONFIG_DIR=$SVC_ROOT/etc-dst
COOP_CONFIG_DIR=$DST_CONFIG_DIR fx_config bench APP_DIR="$SVC_ROOT/dst/app" STATE_DIR="$SVC_ROOT/dst/state" \
  PGHOST=127.0.0.1 PGPORT="$PG_DST_PORT" PGUSER=mastodon_bench PGDATABASE=mastodon_bench PG_JOBS="$JOBS" \
  REDIS_HOST=127.0.0.1 REDIS_PORT="$REDIS_DST_PORT" REDIS_DB=1 \
  RESTIC_REPOSITORY="rest:http://127.0.0.1:$REST_PORT/bench" \
  RESTIC_PASSWORD="$(sed -n 's/^RESTIC_PASSWORD=//p' "$COOP_CONFIG_DIR/backup-bench.secrets")"

# --- baseline: bare pg_dump / pg_restore ---------------------------------------------------
log "baseline pg_dump -Fd -j $JOBS"
t0=$(now)
"$PG_TEST_BIN/pg_dump" -h 127.0.0.1 -p "$PG_SRC_PORT" -U postgres -Fd -j "$JOBS" -f "$SVC_ROOT/bare-dump" mastodon_bench
base_dump=$(dur "$t0" "$(now)")
bare_bytes=$(du -sb "$SVC_ROOT/bare-dump" | awk '{print $1}')
log "baseline pg_restore -j $JOBS"
t0=$(now)
svc_psql "$PG_DST_PORT" -d postgres -c "CREATE DATABASE bare_restore"
"$PG_TEST_BIN/pg_restore" -h 127.0.0.1 -p "$PG_DST_PORT" -U postgres -j "$JOBS" --no-owner --no-acl \
  --exit-on-error -d bare_restore "$SVC_ROOT/bare-dump"
base_restore=$(dur "$t0" "$(now)")
svc_psql "$PG_DST_PORT" -d postgres -c "DROP DATABASE bare_restore"
rm -rf "$SVC_ROOT/bare-dump"

# --- coop-backup -------------------------------------------------------------------------------
log "coop-backup run (first)"
t0=$(now)
"$SCRIPTS/coop-backup" run bench >&2
backup1=$(dur "$t0" "$(now)")
added1=$(jq .snapshot.data_added "$SVC_ROOT/state/last-manifest.json")
# a day of activity: 1% new statuses, some edits
svc_psql "$PG_SRC_PORT" -d mastodon_bench -c "
  INSERT INTO statuses (id, text, created_at, updated_at, account_id, local, visibility)
  SELECT 119000000000000000 + i, 'new status ' || md5(i::text), now(), now(), 100004, true, 0
  FROM generate_series(1, $((statuses / 100))) i;
  UPDATE users SET sign_in_count = sign_in_count + 1 WHERE id % 10 = 0;"
log "coop-backup run (second, incremental)"
t0=$(now)
"$SCRIPTS/coop-backup" run bench >&2
backup2=$(dur "$t0" "$(now)")
added2=$(jq .snapshot.data_added "$SVC_ROOT/state/last-manifest.json")
log "baseline pg_dump again (after the same changes)"
t0=$(now)
"$PG_TEST_BIN/pg_dump" -h 127.0.0.1 -p "$PG_SRC_PORT" -U postgres -Fd -j "$JOBS" -f "$SVC_ROOT/bare-dump2" mastodon_bench
base_dump2=$(dur "$t0" "$(now)")
rm -rf "$SVC_ROOT/bare-dump2"

# --- coop-restore ----------------------------------------------------------------------------------
log "coop-restore"
t0=$(now)
COOP_CONFIG_DIR=$DST_CONFIG_DIR "$SCRIPTS/coop-restore" bench --timings "$SVC_ROOT/restore-timings.json" >&2
restore=$(dur "$t0" "$(now)")
svc_psql "$PG_DST_PORT" -d postgres -c "DROP DATABASE mastodon_bench"

# --- coop-drill -----------------------------------------------------------------------------------------
log "coop-drill"
port=$(svc_free_port)
HEALTH_PID_FILE=$SVC_ROOT/health.pid
COOP_CONFIG_DIR=$DST_CONFIG_DIR "$SCRIPTS/coop-drill" bench --report-dir "$SVC_ROOT/drill" \
  --start-command "node $ROOT/test/host/helpers/health-server.mjs $port $HEALTH_PID_FILE >/dev/null 2>&1 &" \
  --health-url "http://127.0.0.1:$port/health" --copy-web-domain drill.bench.example >&2
ttr=$(jq -r '.phases_seconds.total' "$SVC_ROOT/drill/report.json")

# --- report ---------------------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
t=$SVC_ROOT/restore-timings.json
echo
echo "Restore benchmark: database $(mb "$db_bytes") MB ($statuses statuses), media ${MEDIA_MB} MB, jobs $JOBS, $(nproc) CPUs"
echo "bare pg_dump -Fd output $(mb "$bare_bytes") MB; restic added $(mb "$added1") MB (first), $(mb "$added2") MB (second)"
echo
printf '%-36s %10s  %-34s %10s %8s\n' "measure" "coop (s)" "baseline" "base (s)" "ratio"
printf '%-36s %10s  %-34s %10s %8s\n' "------------------------------------" "----------" "----------------------------------" "----------" "--------"
row() { printf '%-36s %10s  %-34s %10s %8s\n' "$1" "$2" "$3" "$4" "$(ratio "$2" "$4")"; }
row "coop-backup run (first)" "$backup1" "pg_dump -Fd -j $JOBS" "$base_dump"
row "coop-backup run (second, incremental)" "$backup2" "pg_dump -Fd -j $JOBS (again)" "$base_dump2"
row "coop-restore (total)" "$restore" "pg_restore -j $JOBS" "$base_restore"
row "  of which database (+ANALYZE)" "$(jq -r .database "$t")" "pg_restore -j $JOBS" "$base_restore"
row "  of which fetch (restic restore)" "$(jq -r .fetch "$t")" "" ""
row "drill Time To Restore (provision 0)" "$ttr" "pg_restore -j $JOBS" "$base_restore"
echo
echo "drill phases: $(jq -c .phases_seconds "$SVC_ROOT/drill/report.json")"
echo "coop-restore runs ANALYZE (vacuumdb --analyze-only) after pg_restore; the baseline does not."
echo "The baseline is pg_dump with its default compression into a local directory. coop-backup"
echo "dumps uncompressed (so restic can deduplicate unchanged tables), adds Redis, settings and"
echo "media, and encrypts and uploads everything to the repository: more work for more safety."
