#!/usr/bin/env bats
# coop-backup against real PostgreSQL 15, Redis and a restic REST repository
# (rclone serve restic), all on 127.0.0.1. See helpers/services.bash.

load helpers/common

setup_file() {
  common_setup_file
  make_source main 2000
  src_config main KEEP_DAILY=7
  redis-cli -p "$REDIS_SRC_PORT" -n 2 SET home:feed:1 '[1,2,3]' >/dev/null
  "$SCRIPTS/coop-backup" run main >"$SVC_ROOT/first-run.out" 2>&1
}

teardown_file() {
  common_teardown_file
}

@test "run: one snapshot tagged with the instance, with dump, rdb, settings and local media" {
  run snapshot_ids main
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | wc -l)" -eq 1 ]
  run fx_restic main ls latest
  [ "$status" -eq 0 ]
  echo "$output" | grep -q '/coop-backup-staging-main/db/toc.dat$'
  echo "$output" | grep -q '/coop-backup-staging-main/redis/dump.rdb$'
  echo "$output" | grep -q '/coop-backup-staging-main/env/.env.production$'
  echo "$output" | grep -q '/coop-backup-staging-main/env/.env.secrets$'
  echo "$output" | grep -q '/coop-backup-staging-main/manifest.json$'
  echo "$output" | grep -q 'public/system/media_attachments/files/000/000/001/original/photo1.jpg$'
  echo "$output" | grep -q 'public/system/accounts/avatars/avatar.png$'
  # staging directory removed after the run
  [ ! -e "$SVC_ROOT/state-main/work/coop-backup-staging-main" ]
}

@test "run: the remote-media cache is not backed up" {
  [ -f "$SVC_ROOT/app-main/public/system/cache/media_attachments/files/000/000/001/original/remote1.jpg" ]
  run fx_restic main ls latest
  [ "$status" -eq 0 ]
  ! echo "$output" | grep -q 'public/system/cache'
}

@test "run: manifest.json in the snapshot and last-manifest.json have the fields" {
  m=$(fx_restic main dump latest "$SVC_ROOT/state-main/work/coop-backup-staging-main/manifest.json")
  echo "$m" | jq -e '
    .instance == "main" and (.created | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T"))
    and .mastodon_version == "v4.3.8" and .local_domain == "main.example"
    and (.postgresql.server_version | startswith("15."))
    and (.postgresql.pg_dump_version | startswith("15."))
    and .restic_version == "0.14.0"
    and (.sizes_bytes | (.database > 0 and .redis > 0 and .env > 0 and .media > 0))
    and (.durations_seconds | (.database >= 0 and .redis >= 0 and .row_counts >= 0))
    and .row_counts == {"accounts":100,"users":25,"statuses":2000,"media_attachments":500}'
  # media size excludes the cache: 5 photos + 1 avatar
  echo "$m" | jq -e '.media_files == 6'
  jq -e --argjson m "$m" '.row_counts == $m.row_counts and (.snapshot.id | length) == 64
    and .durations_seconds.backup >= 0 and .durations_seconds.total > 0' "$SVC_ROOT/state-main/last-manifest.json"
  # the id in last-manifest.json is the snapshot's
  [ "$(jq -r .snapshot.id "$SVC_ROOT/state-main/last-manifest.json")" = "$(snapshot_ids main | tail -n 1)" ]
}

@test "run twice: second run is incremental; both snapshots usable; forget policy applied" {
  make_source twice 2000
  src_config twice
  run "$SCRIPTS/coop-backup" run twice
  [ "$status" -eq 0 ]
  first_added=$(jq .snapshot.data_added "$SVC_ROOT/state-twice/last-manifest.json")
  # a few changes: unchanged tables (statuses, accounts, media) must not be uploaded again
  svc_psql "$PG_SRC_PORT" -d mastodon_twice -c "UPDATE users SET sign_in_count = sign_in_count + 1 WHERE id % 8 = 0"
  run "$SCRIPTS/coop-backup" run twice
  [ "$status" -eq 0 ]
  second_added=$(jq .snapshot.data_added "$SVC_ROOT/state-twice/last-manifest.json")
  echo "first $first_added second $second_added"
  [ "$second_added" -lt $((first_added / 3)) ]
  [ "$(snapshot_ids twice | wc -l)" -eq 2 ]
  run fx_restic twice check
  [ "$status" -eq 0 ]
  # with KEEP_DAILY=7 both runs fall on one day: one snapshot is kept
  src_config twice KEEP_DAILY=7
  run "$SCRIPTS/coop-backup" run twice
  [ "$status" -eq 0 ]
  [ "$(snapshot_ids twice | wc -l)" -eq 1 ]
  [ "$(snapshot_ids twice)" = "$(jq -r .snapshot.id "$SVC_ROOT/state-twice/last-manifest.json")" ]
}

@test "verify: moves latest-verified to the newest snapshot" {
  run "$SCRIPTS/coop-backup" verify main
  [ "$status" -eq 0 ]
  newest=$(snapshot_ids main | tail -n 1)
  [ "$(jq -r .snapshot "$SVC_ROOT/state-main/latest-verified")" = "$newest" ]
  "$SCRIPTS/coop-backup" run main
  newer=$(snapshot_ids main | tail -n 1)
  [ "$newer" != "$newest" ]
  run "$SCRIPTS/coop-backup" verify main
  [ "$status" -eq 0 ]
  [ "$(jq -r .snapshot "$SVC_ROOT/state-main/latest-verified")" = "$newer" ]
  run "$SCRIPTS/coop-backup" status main
  [ "$status" -eq 0 ]
  echo "$output" | grep -q "instance=main"
  echo "$output" | grep -q "latest verified: ${newer:0:8}"
}

@test "verify: a corrupted pack file fails the check and the marker does not move" {
  make_source corrupt 1000
  src_config corrupt
  "$SCRIPTS/coop-backup" run corrupt
  "$SCRIPTS/coop-backup" verify corrupt
  before=$(cat "$SVC_ROOT/state-corrupt/latest-verified")
  "$SCRIPTS/coop-backup" run corrupt
  # flip bytes in the middle of every data pack of the repository
  for f in $(find "$REST_DIR/repo-corrupt/data" -type f); do
    size=$(stat -c %s "$f")
    printf 'CORRUPTCORRUPT' | dd of="$f" bs=1 seek=$((size / 2)) conv=notrunc status=none
  done
  run "$SCRIPTS/coop-backup" verify corrupt
  echo "$output"
  [ "$status" -ne 0 ]
  echo "$output" | grep -q 'restic check failed'
  [ "$(cat "$SVC_ROOT/state-corrupt/latest-verified")" = "$before" ]
}

@test "wrong password: one clear line, non-zero, for run, verify and status" {
  src_config main RESTIC_PASSWORD=not-the-password
  for cmd in run verify status; do
    run "$SCRIPTS/coop-backup" "$cmd" main
    echo "$cmd: $output"
    [ "$status" -ne 0 ]
    [ "$output" = "coop-backup: restic repository password is wrong (RESTIC_PASSWORD in $COOP_CONFIG_DIR/backup-main.secrets)" ]
  done
  src_config main KEEP_DAILY=7
}

@test "full disk: run fails with one line, leaves no snapshot and no staging files" {
  make_source full 5000
  src_config full WORK_DIR="$SVC_ROOT/full-disk"
  "$SCRIPTS/coop-backup" run full # a first good snapshot (disk not full yet)
  before=$(snapshot_ids full)
  mkdir -p "$SVC_ROOT/full-disk"
  # A 1 MiB tmpfs as WORK_DIR (the dump is ~4 MB). Where mount is not permitted, a file
  # size limit (ulimit -f, SIGXFSZ/EFBIG on the dump files) stands in for the full disk.
  if mount -t tmpfs -o size=1m tmpfs "$SVC_ROOT/full-disk" 2>/dev/null; then
    run "$SCRIPTS/coop-backup" run full
    umount "$SVC_ROOT/full-disk"
    echo "$output"
    echo "$output" | grep -q 'pg_dump failed.*No space left on device'
  else
    run bash -c "ulimit -f 1024; exec '$SCRIPTS/coop-backup' run full"
    echo "(ulimit -f fallback) $output"
    echo "$output" | grep -q 'failed'
  fi
  [ "$status" -ne 0 ]
  [ "$(echo "$output" | wc -l)" -eq 1 ]
  [ "$(snapshot_ids full)" = "$before" ]
  [ -z "$(ls -A "$SVC_ROOT/full-disk")" ]
}

@test "run: refuses pg_dump of another major version than the server" {
  mkdir -p "$SVC_ROOT/fake-pg/14/bin"
  for b in psql pg_dump pg_restore; do ln -sf "/usr/lib/postgresql/15/bin/$b" "$SVC_ROOT/fake-pg/14/bin/$b"; done
  src_config main KEEP_DAILY=7 PG_BIN_ROOT="$SVC_ROOT/fake-pg"
  before=$(snapshot_ids main)
  run "$SCRIPTS/coop-backup" run main
  src_config main KEEP_DAILY=7
  echo "$output"
  [ "$status" -ne 0 ]
  echo "$output" | grep -q 'PostgreSQL 15 client tools missing'
  [ "$(snapshot_ids main)" = "$before" ]
}

@test "interrupted run (SIGTERM during the dump) leaves no snapshot and no staging files" {
  before=$(snapshot_ids main)
  # slow the dump down: hold a lock that pg_dump has to wait for
  svc_psql "$PG_SRC_PORT" -d mastodon_main -c "SELECT 1" # warm
  (svc_psql "$PG_SRC_PORT" -d mastodon_main -c "BEGIN; LOCK TABLE statuses IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(20); COMMIT;" >/dev/null 2>&1 &)
  sleep 0.5
  setsid "$SCRIPTS/coop-backup" run main >"$SVC_ROOT/int.out" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    [ -d "$SVC_ROOT/state-main/work/coop-backup-staging-main/db" ] && break
    sleep 0.1
  done
  kill -TERM -- "-$pid"
  wait "$pid" || rc=$?
  cat "$SVC_ROOT/int.out"
  [ "${rc:-0}" -ne 0 ]
  svc_psql "$PG_SRC_PORT" -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(20)%' AND pid <> pg_backend_pid()" >/dev/null
  [ "$(snapshot_ids main)" = "$before" ]
  [ ! -e "$SVC_ROOT/state-main/work/coop-backup-staging-main" ]
  # and the next run works
  run "$SCRIPTS/coop-backup" run main
  [ "$status" -eq 0 ]
}

@test "secrets never appear in output, logs, manifests or process arguments" {
  pw="pw-main-S3cr3t"
  "$SCRIPTS/coop-backup" run main >"$SVC_ROOT/secret-run.out" 2>&1 &
  pid=$!
  # sample every process's argv and environment-free command line while the run goes on
  while kill -0 "$pid" 2>/dev/null; do
    ps -eo args >>"$SVC_ROOT/ps-samples" 2>/dev/null || true
    sleep 0.05
  done
  wait "$pid"
  grep -q restic "$SVC_ROOT/ps-samples" # the sampling did see restic running
  ! grep -q "$pw" "$SVC_ROOT/ps-samples"
  ! grep -q "$pw" "$SVC_ROOT/secret-run.out"
  ! grep -rq "$pw" "$SVC_ROOT/state-main"
}
