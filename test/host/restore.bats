#!/usr/bin/env bats
# coop-restore and coop-drill: back up on the "source host" (source cluster and Redis),
# restore on the "target host" (a second cluster without the source's roles, a second
# Redis, its own config dir), all real services on 127.0.0.1.

load helpers/common

setup_file() {
  common_setup_file
  make_source main 2000
  src_config main
  # Redis: a home feed and queued Sidekiq jobs (a copy must not keep the jobs)
  redis-cli -p "$REDIS_SRC_PORT" -n 2 SET feed:home:1 '[109000000000000010]' >/dev/null
  redis-cli -p "$REDIS_SRC_PORT" -n 2 LPUSH queue:push '{"class":"ActivityPub::DeliveryWorker"}' >/dev/null
  redis-cli -p "$REDIS_SRC_PORT" -n 2 ZADD schedule 1 '{"class":"Scheduler"}' >/dev/null
  redis-cli -p "$REDIS_SRC_PORT" -n 7 SET other:instance:key 1 >/dev/null
  "$SCRIPTS/coop-backup" run main >"$SVC_ROOT/backup.out" 2>&1
}

teardown_file() {
  common_teardown_file
}

# compare source instance NAME with its restore on the target cluster (database mastodon_TARGET)
assert_same_content() {
  local name=$1 target=$2
  [ "$(fx_counts "$PG_SRC_PORT" "mastodon_$name")" = "$(fx_counts "$PG_DST_PORT" "mastodon_$target")" ]
  [ "$(fx_checksum "$PG_SRC_PORT" "mastodon_$name")" = "$(fx_checksum "$PG_DST_PORT" "mastodon_$target")" ]
}

@test "backup then restore into a fresh cluster: same rows, same content, media, Redis, secrets" {
  dst_config main
  run restore main --timings "$SVC_ROOT/timings-main.json"
  echo "$output"
  [ "$status" -eq 0 ]
  assert_same_content main main
  # media: identical local media, the cache is not restored
  diff -r -x cache "$SVC_ROOT/app-main/public/system" "$SVC_ROOT/dst/app-main/public/system"
  [ ! -e "$SVC_ROOT/dst/app-main/public/system/cache" ]
  # settings
  cmp "$SVC_ROOT/app-main/.env.secrets" "$SVC_ROOT/dst/app-main/.env.secrets"
  [ "$(stat -c %a "$SVC_ROOT/dst/app-main/.env.secrets")" = 600 ]
  [ ! -e "$SVC_ROOT/dst/app-main/.env.copy" ]
  # Redis: keys of the source's db 2 now in the target's db 4, with jobs; db 7 not touched
  [ "$(redis-cli -p "$REDIS_DST_PORT" -n 4 GET feed:home:1)" = '[109000000000000010]' ]
  [ "$(redis-cli -p "$REDIS_DST_PORT" -n 4 LLEN queue:push)" = 1 ]
  [ "$(redis-cli -p "$REDIS_DST_PORT" -n 7 DBSIZE)" = 0 ]
  # timings
  jq -e 'keys == ["database","fetch","media","redis","total"] and ([.[]] | all(. >= 0))' "$SVC_ROOT/timings-main.json"
  [ ! -e "$SVC_ROOT/dst/state-main/restore-in-progress" ]
  # the restored database accepts writes from its owner
  svc_psql "$PG_DST_PORT" -d mastodon_main -c "SET ROLE mastodon_main; INSERT INTO accounts (id, username, created_at, updated_at) VALUES (1, 'new', now(), now())"
}

@test "a second restore without --force refuses the existing database; --force replaces it" {
  dst_config main
  svc_psql "$PG_DST_PORT" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'mastodon_main'" | grep -q 1 ||
    restore main
  run restore main
  echo "$output"
  [ "$status" -ne 0 ]
  [ "$output" = "coop-restore: database mastodon_main already exists and was not created by an unfinished restore; refusing to overwrite it (use --force to replace it)" ]
  run restore main --force
  [ "$status" -eq 0 ]
  assert_same_content main main
}

@test "restore into a cluster whose roles differ: objects owned by the target role, no source ACLs" {
  # the repository of instance "roles" is the one of "main" (same password)
  COOP_CONFIG_DIR=$DST_CONFIG_DIR fx_config roles APP_DIR="$SVC_ROOT/dst/app-roles" STATE_DIR="$SVC_ROOT/dst/state-roles" \
    PGHOST=127.0.0.1 PGPORT="$PG_DST_PORT" PGUSER=copy_owner PGDATABASE=mastodon_roles \
    REDIS_HOST=127.0.0.1 REDIS_PORT="$REDIS_DST_PORT" REDIS_DB=5 \
    RESTIC_REPOSITORY="rest:http://127.0.0.1:$REST_PORT/repo-main" RESTIC_PASSWORD=pw-main-S3cr3t \
    SOURCE_INSTANCE=main
  run restore roles # latest snapshot of SOURCE_INSTANCE
  [ "$(jq -r .snapshot "$SVC_ROOT/dst/state-roles/last-restore.json")" = "$(snapshot_ids main | tail -n 1)" ]
  echo "$output"
  [ "$status" -eq 0 ]
  # the source roles do not exist on the target cluster
  [ -z "$(svc_psql "$PG_DST_PORT" -d postgres -At -c "SELECT rolname FROM pg_roles WHERE rolname IN ('source_only_reader')")" ]
  owners=$(svc_psql "$PG_DST_PORT" -d mastodon_roles -At -c "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
  [ "$owners" = copy_owner ]
  [ "$(svc_psql "$PG_DST_PORT" -d postgres -At -c "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'mastodon_roles'")" = copy_owner ]
  # no ACL from the source came along
  [ -z "$(svc_psql "$PG_DST_PORT" -d mastodon_roles -At -c "SELECT relacl FROM pg_class WHERE relname = 'statuses' AND relacl IS NOT NULL")" ]
  assert_same_content main roles
}

@test "restore --copy-web-domain: overrides written, LOCAL_DOMAIN kept, queued jobs dropped" {
  dst_config main REDIS_DB=6 PGDATABASE=mastodon_copy PGUSER=mastodon_copy
  run restore main --copy-web-domain copy.example.net
  echo "$output"
  [ "$status" -eq 0 ]
  f=$SVC_ROOT/dst/app-main/.env.copy
  grep -qx 'LOCAL_DOMAIN=main.example' "$f"
  grep -qx 'WEB_DOMAIN=copy.example.net' "$f"
  grep -qx 'LIMITED_FEDERATION_MODE=true' "$f"
  grep -qx 'SMTP_DELIVERY_METHOD=test' "$f"
  grep -qx 'SMTP_SERVER=' "$f"
  # the settings of the source are untouched: LOCAL_DOMAIN stays the source's
  grep -qx 'LOCAL_DOMAIN=main.example' "$SVC_ROOT/dst/app-main/.env.production"
  [ "$(redis-cli -p "$REDIS_DST_PORT" -n 6 GET feed:home:1)" = '[109000000000000010]' ]
  [ "$(redis-cli -p "$REDIS_DST_PORT" -n 6 EXISTS queue:push)" = 0 ]
  [ "$(redis-cli -p "$REDIS_DST_PORT" -n 6 EXISTS schedule)" = 0 ]
  # a later restore without the option removes the overrides
  run restore main --force
  [ "$status" -eq 0 ]
  [ ! -e "$f" ]
}

@test "restore interrupted (killed during pg_restore) then rerun succeeds" {
  make_source big 30000
  src_config big
  "$SCRIPTS/coop-backup" run big
  dst_config big PG_RESTORE_JOBS=1
  setsid bash -c "COOP_CONFIG_DIR=$DST_CONFIG_DIR exec $SCRIPTS/coop-restore big" >"$SVC_ROOT/int-restore.out" 2>&1 &
  pid=$!
  killed=no
  for _ in $(seq 1 400); do
    if svc_psql "$PG_DST_PORT" -d postgres -At -c "SELECT count(*) FROM pg_stat_activity WHERE datname = 'mastodon_big' AND application_name = 'pg_restore' AND state = 'active'" | grep -qx '[1-9]'; then
      kill -KILL -- "-$pid"
      killed=yes
      break
    fi
    sleep 0.02
  done
  wait "$pid" || true
  [ "$killed" = yes ]
  [ -f "$SVC_ROOT/dst/state-big/restore-in-progress" ]
  run restore big
  echo "$output"
  [ "$status" -eq 0 ]
  echo "$output" | grep -q 'left by an unfinished restore'
  [ ! -f "$SVC_ROOT/dst/state-big/restore-in-progress" ]
  assert_same_content big big
}

@test "restore --snapshot verified uses the latest-verified marker; Redis file mode" {
  "$SCRIPTS/coop-backup" verify main
  verified=$(jq -r .snapshot "$SVC_ROOT/state-main/latest-verified")
  dst_config main PGDATABASE=mastodon_verified PGUSER=mastodon_verified STATE_DIR="$SVC_ROOT/state-main" \
    REDIS_RESTORE_MODE=file REDIS_RDB_TARGET="$SVC_ROOT/dst/redis-file/dump.rdb"
  mkdir -p "$SVC_ROOT/dst/redis-file"
  run restore main --snapshot verified
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(jq -r .snapshot "$SVC_ROOT/state-main/last-restore.json")" = "$verified" ]
  # a fresh redis-server started on the written rdb has the keys in the source's db
  port=$(svc_free_port)
  redis-server --port "$port" --bind 127.0.0.1 --dir "$SVC_ROOT/dst/redis-file" --dbfilename dump.rdb \
    --save '' --daemonize yes --pidfile "$SVC_ROOT/redis-file.pid" >/dev/null
  svc_wait_port "$port"
  [ "$(redis-cli -p "$port" -n 2 GET feed:home:1)" = '[109000000000000010]' ]
  [ "$(redis-cli -p "$port" -n 7 GET other:instance:key)" = 1 ]
}

@test "coop-drill: report.json and report.md with every phase and row counts" {
  dst_config main PGDATABASE=mastodon_drill PGUSER=mastodon_drill REDIS_DB=8 DRILL_WEB_DOMAIN=drill.example.net
  port=$(svc_free_port)
  run drill main --report-dir "$SVC_ROOT/drill" --provision-seconds 42 \
    --start-command "node $BATS_TEST_DIRNAME/helpers/health-server.mjs $port $SVC_ROOT/health-drill.pid >/dev/null 2>&1 &" \
    --health-url "http://127.0.0.1:$port/health" --health-url "http://127.0.0.1:$port/api/v1/streaming/health" \
    --health-timeout 30
  echo "$output"
  [ "$status" -eq 0 ]
  r=$SVC_ROOT/drill/report.json
  jq -e '.ok and .phases_seconds.provision == 42
    and (.phases_seconds | (.fetch > 0 and .database > 0 and .media >= 0 and .start > 0 and .redis >= 0))
    and (.phases_seconds.total >= 42 + .phases_seconds.fetch + .phases_seconds.database)
    and .row_counts.match and .row_counts.manifest.statuses == 2000
    and (.health | length == 2 and all(.ok))
    and .copy_web_domain == "drill.example.net"' "$r"
  for phase in provision fetch database media start total; do
    grep -q "^| $phase | [0-9.]* |$" "$SVC_ROOT/drill/report.md"
  done
  grep -q '^| statuses | 2000 | 2000 |$' "$SVC_ROOT/drill/report.md"
  grep -qx 'WEB_DOMAIN=drill.example.net' "$SVC_ROOT/dst/app-main/.env.copy"
}

@test "coop-drill: a health URL that never answers OK fails the drill, the report says why" {
  dst_config main PGDATABASE=mastodon_drill2 PGUSER=mastodon_drill2 REDIS_DB=9
  port=$(svc_free_port)
  run drill main --report-dir "$SVC_ROOT/drill2" --start-command true \
    --health-url "http://127.0.0.1:$port/health" --health-timeout 2
  echo "$output"
  [ "$status" -ne 0 ]
  jq -e '(.ok | not) and .checks.restore and (.checks.start_and_health | not)' "$SVC_ROOT/drill2/report.json"
  grep -q 'did not answer OK' "$SVC_ROOT/drill2/report.md"
}
