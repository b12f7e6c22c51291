#!/usr/bin/env bats
# Regression tests for reviewed bugs of coop-backup / coop-restore: settings validated
# up front (exact one-line messages), no data loss, secrets kept out of argv. Real
# services as in backup.bats; a few stand-ins (restic, redis-cli) in $SVC_ROOT/fakebin
# wrap the real programs to simulate slow, failing or tampered runs.

load helpers/common

setup_file() {
  common_setup_file
  make_source reg 300
  src_config reg
  "$SCRIPTS/coop-backup" run reg >"$SVC_ROOT/reg-first.out" 2>&1
  # a Redis with a password (its pid file is removed by svc_stop_all)
  REDIS_PW_PORT=$(svc_free_port)
  mkdir -p "$SVC_ROOT/redis-pw"
  redis-server --port "$REDIS_PW_PORT" --bind 127.0.0.1 --repl-diskless-sync-delay 0 --dir "$SVC_ROOT/redis-pw" \
    --save '' --appendonly no --daemonize yes --pidfile "$SVC_ROOT/redis-pw.pid" \
    --logfile "$SVC_ROOT/redis-pw/redis.log" >/dev/null
  svc_wait_port "$REDIS_PW_PORT"
  # the password is set afterwards, so that it is in no process's argv
  redis-cli -p "$REDIS_PW_PORT" CONFIG SET requirepass redis-S3cr3t-pw >/dev/null
  export REDIS_PW_PORT
  # stand-ins, used only where PATH puts them first
  mkdir -p "$SVC_ROOT/fakebin"
  REAL_RESTIC=$(command -v restic) REAL_REDIS_CLI=$(command -v redis-cli)
  cat >"$SVC_ROOT/fakebin/restic" <<EOF
#!/bin/bash
case "\${FAKE_RESTIC:-}:\$1" in
  slow:backup) : >"$SVC_ROOT/fake-backup-started"; sleep 5; exec $REAL_RESTIC "\$@" ;;
  finish:backup) trap '' TERM; : >"$SVC_ROOT/fake-backup-started"; sleep 1; $REAL_RESTIC "\$@"; exit \$? ;;
  empty:backup) for a in "\$@"; do case \$a in */coop-backup-staging-*) rm -rf -- "\$a/db" ;; esac; done
    exec $REAL_RESTIC "\$@" ;;
  failrestore:restore) echo "Fatal: simulated fetch failure" >&2; exit 1 ;;
esac
exec $REAL_RESTIC "\$@"
EOF
  cat >"$SVC_ROOT/fakebin/redis-cli" <<EOF
#!/bin/bash
printf '%s\n' "\$*" >>"$SVC_ROOT/redis-cli-argv"
exec $REAL_REDIS_CLI "\$@"
EOF
  chmod +x "$SVC_ROOT/fakebin/restic" "$SVC_ROOT/fakebin/redis-cli"
}

teardown_file() {
  common_teardown_file
}

ENV() { echo "$COOP_CONFIG_DIR/backup-$1.env"; }
line_of() { grep -n -m 1 -- "$2" "$(ENV "$1")" | cut -d: -f1; }

# --- settings: refused up front, one exact line, nothing changed ---------------------------

@test "negative KEEP_DAILY is refused before anything; no snapshot is forgotten" {
  before=$(snapshot_ids reg)
  [ -n "$before" ]
  src_config reg KEEP_DAILY=-1
  run backup run reg
  echo "$output"
  [ "$status" -eq 1 ]
  [ "$output" = "coop-backup: KEEP_DAILY must be a whole number >= 0, not '-1'" ]
  [ "$(snapshot_ids reg)" = "$before" ]
  src_config reg KEEP_DAILY=0 KEEP_WEEKLY=0
  run backup run reg
  [ "$status" -eq 1 ]
  [ "$output" = "coop-backup: KEEP_HOURLY/KEEP_DAILY/KEEP_WEEKLY/KEEP_MONTHLY keep no snapshot at all; set at least one above 0 (or none to forget nothing)" ]
  [ "$(snapshot_ids reg)" = "$before" ]
  src_config reg
}

@test "KEEP_DAILY=7 # a week: refused before a snapshot is written" {
  before=$(snapshot_ids reg)
  src_config reg 'KEEP_DAILY=7 # a week'
  run backup run reg
  echo "$output"
  [ "$status" -eq 1 ]
  [ "$output" = "coop-backup: $(ENV reg) line $(line_of reg KEEP_DAILY): KEEP_DAILY: trailing comments are not allowed (put the comment on its own line)" ]
  [ "$(snapshot_ids reg)" = "$before" ]
  src_config reg
}

@test "unknown keys, spaces around =, junk lines are refused with the line number" {
  src_config reg KEEP_DAYLY=7
  run backup run reg
  [ "$status" -eq 1 ]
  [ "$output" = "coop-backup: $(ENV reg) line $(line_of reg KEEP_DAYLY): unknown key KEEP_DAYLY (did you mean KEEP_DAILY?)" ]
  src_config reg 'KEEP_DAILY = 7'
  run backup run reg
  [ "$status" -eq 1 ]
  [ "$output" = "coop-backup: $(ENV reg) line $(line_of reg 'KEEP_DAILY = 7'): not a KEY=VALUE line (no spaces around \"=\"; comments on their own line starting with #)" ]
  src_config reg 'this is junk'
  run backup run reg
  [ "$status" -eq 1 ]
  [ "$output" = "coop-backup: $(ENV reg) line $(line_of reg 'this is junk'): not a KEY=VALUE line (no spaces around \"=\"; comments on their own line starting with #)" ]
  src_config reg XYZZY_SETTING=1
  run backup run reg
  [ "$status" -eq 1 ]
  [[ $output == "coop-backup: $(ENV reg) line $(line_of reg XYZZY): unknown key XYZZY_SETTING (allowed: APP_DIR STATE_DIR "* ]]
  [ "$(echo "$output" | wc -l)" -eq 1 ]
  # restore reads the same file the same way
  src_config reg KEEP_DAYLY=7
  run "$SCRIPTS/coop-restore" reg
  [ "$status" -eq 1 ]
  [ "$output" = "coop-restore: $(ENV reg) line $(line_of reg KEEP_DAYLY): unknown key KEEP_DAYLY (did you mean KEEP_DAILY?)" ]
  src_config reg
}

@test "APP_DIR missing, quoted, or without settings: run fails, nothing backed up" {
  before=$(snapshot_ids reg)
  src_config reg APP_DIR="$SVC_ROOT/no-such-app"
  run backup run reg
  [ "$status" -eq 1 ]
  [ "$output" = "coop-backup: APP_DIR $SVC_ROOT/no-such-app does not exist (set APP_DIR in $(ENV reg) to the instance directory)" ]
  src_config reg "APP_DIR=\"$SVC_ROOT/app-reg\"  # the app"
  run backup run reg
  [ "$status" -eq 1 ]
  [ "$output" = "coop-backup: $(ENV reg) line $(line_of reg '^APP_DIR="'): APP_DIR: quotes are not allowed (values are taken literally; write APP_DIR=value)" ]
  mkdir -p "$SVC_ROOT/empty-app"
  src_config reg APP_DIR="$SVC_ROOT/empty-app"
  run backup run reg
  [ "$status" -eq 1 ]
  [ "$output" = "coop-backup: APP_DIR $SVC_ROOT/empty-app holds neither .env.production nor .env.secrets (set APP_DIR in $(ENV reg) to the instance directory)" ]
  [ "$(snapshot_ids reg)" = "$before" ]
  src_config reg
}

@test "a relative RESTIC_REPOSITORY is refused and no repository is created" {
  cd "$SVC_ROOT"
  src_config reg RESTIC_REPOSITORY=garbage-repo
  run backup run reg
  [ "$status" -eq 1 ]
  [ "$output" = "coop-backup: RESTIC_REPOSITORY must start with s3:, sftp:, rest:, b2:, azure:, gs:, rclone: or be an absolute path, not 'garbage-repo'" ]
  [ ! -e "$SVC_ROOT/garbage-repo" ]
  src_config reg
}

@test "an unreachable repository is reported as such, never initialised" {
  port=$(svc_free_port)
  make_source unreach 10
  src_config unreach RESTIC_REPOSITORY="rest:http://127.0.0.1:$port/repo"
  run backup run unreach
  echo "$output"
  [ "$status" -eq 1 ]
  ! echo "$output" | grep -q 'creating it'
  [[ $output == "coop-backup: cannot open repository rest:http://127.0.0.1:$port/repo (restic exit 1): unable to open config file: "*"connection refused" ]]
}

@test "other settings and options are validated up front with one exact line" {
  check() { # expected-message KEY=VALUE...
    local want=$1
    shift
    src_config reg "$@"
    run backup run reg
    echo "$*: $output"
    [ "$status" -eq 1 ]
    [ "$output" = "coop-backup: $want" ]
  }
  check "LOCK_WAIT must be a whole number of seconds, not 'soon'" LOCK_WAIT=soon
  check "CHECK_SUBSET must be a percentage 0 < x <= 100 (e.g. 5%) or n/m (e.g. 1/20), not '0%'" CHECK_SUBSET=0%
  check "CHECK_SUBSET must be a percentage 0 < x <= 100 (e.g. 5%) or n/m (e.g. 1/20), not '150%'" CHECK_SUBSET=150%
  check "CHECK_SUBSET must be a percentage 0 < x <= 100 (e.g. 5%) or n/m (e.g. 1/20), not '3/2'" CHECK_SUBSET=3/2
  check "REDIS_RESTORE_MODE must be migrate or file, not 'copy'" REDIS_RESTORE_MODE=copy
  check "PGPORT must be a TCP port number 1-65535, not '99999'" PGPORT=99999
  check "REDIS_PORT must be a TCP port number 1-65535, not 'six'" REDIS_PORT=six
  check "PG_COMPRESS must be a pg_dump -Z level 0-9, not 'max'" PG_COMPRESS=max
  check "RESTORE_ANALYZE must be yes or no, not 'maybe'" RESTORE_ANALYZE=maybe
  src_config reg
  for bad in 'xyz' '12' 'latest;rm'; do
    run "$SCRIPTS/coop-restore" reg --snapshot "$bad"
    [ "$status" -eq 1 ]
    [ "$output" = "coop-restore: --snapshot must be a snapshot id (8 to 64 hex digits), latest or verified, not '$bad'" ]
  done
  run "$SCRIPTS/coop-restore" reg --copy-web-domain ''
  [ "$status" -eq 1 ]
  [ "$output" = "coop-restore: --copy-web-domain needs a domain name (e.g. copy.example.net), not an empty value" ]
  run "$SCRIPTS/coop-restore" reg --copy-web-domain a..b
  [ "$status" -eq 1 ]
  [ "$output" = "coop-restore: --copy-web-domain must be a domain name (letters, digits, hyphens, single dots), not 'a..b'" ]
}

@test "secrets file readable by others: one warning line; existing STATE_DIR keeps its mode" {
  mkdir -p "$SVC_ROOT/state-reg"
  chmod 0755 "$SVC_ROOT/state-reg"
  src_config reg
  chmod 0644 "$COOP_CONFIG_DIR/backup-reg.secrets"
  run backup status reg
  chmod 0600 "$COOP_CONFIG_DIR/backup-reg.secrets"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | grep -c 'readable by group or others')" -eq 1 ]
  echo "$output" | grep -qx "coop-backup: warning: $COOP_CONFIG_DIR/backup-reg.secrets is readable by group or others (chmod 0600 it)"
  [ "$(stat -c %a "$SVC_ROOT/state-reg")" = 755 ]
}

@test "a run waiting for the lock does not truncate the running one's log" {
  src_config reg LOCK_WAIT=0
  echo "log of the running run" >"$SVC_ROOT/state-reg/last-run.log"
  exec 8>"$SVC_ROOT/state-reg/.lock"
  flock 8
  run backup run reg
  exec 8>&-
  [ "$status" -eq 1 ]
  [ "$output" = "coop-backup: another coop-backup/coop-restore for reg is still running (lock $SVC_ROOT/state-reg/.lock)" ]
  [ "$(cat "$SVC_ROOT/state-reg/last-run.log")" = "log of the running run" ]
  src_config reg
}

# --- data loss -----------------------------------------------------------------------------

@test "RESTORE_DIR: only the restore's own subdirectory is removed, other files stay" {
  mkdir -p "$SVC_ROOT/keep"
  echo precious >"$SVC_ROOT/keep/keepme.txt"
  dst_config reg RESTORE_DIR="$SVC_ROOT/keep"
  run restore reg
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(cat "$SVC_ROOT/keep/keepme.txt")" = precious ]
  [ "$(ls -A "$SVC_ROOT/keep")" = keepme.txt ]
  # a failing restore keeps it too
  run restore reg --snapshot deadbeef
  [ "$status" -eq 1 ]
  [ "$(cat "$SVC_ROOT/keep/keepme.txt")" = precious ]
}

@test "a restore failing at fetch leaves no marker; a later restore without --force refuses" {
  dst_config reg
  svc_psql "$PG_DST_PORT" -d postgres -At -c "SELECT 1 FROM pg_database WHERE datname = 'mastodon_reg'" | grep -qx 1 ||
    restore reg
  sum=$(fx_checksum "$PG_DST_PORT" mastodon_reg)
  rm -f "$SVC_ROOT/dst/state-reg/restore-in-progress"
  PATH=$SVC_ROOT/fakebin:$PATH FAKE_RESTIC=failrestore run restore reg --force
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${lines[-1]}" = "coop-restore: restic restore failed (restic exit 1): Fatal: simulated fetch failure" ]
  [ ! -e "$SVC_ROOT/dst/state-reg/restore-in-progress" ]
  run restore reg
  [ "$status" -eq 1 ]
  [ "$output" = "coop-restore: database mastodon_reg already exists and was not created by an unfinished restore; refusing to overwrite it (use --force to replace it)" ]
  [ "$(fx_checksum "$PG_DST_PORT" mastodon_reg)" = "$sum" ]
}

@test "instances sharing WORK_DIR: concurrent runs each get their own complete snapshot" {
  make_source sharea 400
  make_source shareb 500
  src_config sharea WORK_DIR="$SVC_ROOT/shared-work"
  src_config shareb WORK_DIR="$SVC_ROOT/shared-work"
  backup run sharea >"$SVC_ROOT/sharea.out" 2>&1 &
  a=$!
  backup run shareb >"$SVC_ROOT/shareb.out" 2>&1 &
  b=$!
  wait "$a"
  wait "$b"
  for n in sharea shareb; do
    m=$(fx_restic "$n" dump latest "$SVC_ROOT/shared-work/coop-backup-staging-$n/manifest.json")
    echo "$m" | jq -e --arg n "$n" '.instance == $n'
    fx_restic "$n" ls --recursive latest | grep -qx "$SVC_ROOT/shared-work/coop-backup-staging-$n/db/toc.dat"
  done
  [ "$(fx_restic sharea dump latest "$SVC_ROOT/shared-work/coop-backup-staging-sharea/manifest.json" | jq .row_counts.statuses)" = 400 ]
  [ "$(fx_restic shareb dump latest "$SVC_ROOT/shared-work/coop-backup-staging-shareb/manifest.json" | jq .row_counts.statuses)" = 500 ]
}

@test "a snapshot without the dump or manifest is removed and the run fails" {
  before=$(snapshot_ids reg)
  PATH=$SVC_ROOT/fakebin:$PATH FAKE_RESTIC=empty run backup run reg
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output =~ ^"coop-backup: snapshot "[0-9a-f]{8}" lacks manifest.json or the database dump (db/toc.dat); removed it, see $SVC_ROOT/state-reg/last-run.log"$ ]]
  [ "$(snapshot_ids reg)" = "$before" ]
}

@test "a symlinked public/system is followed (target content backed up, cache excluded)" {
  make_source sym 50
  mkdir -p "$SVC_ROOT/volume"
  mv "$SVC_ROOT/app-sym/public/system" "$SVC_ROOT/volume/system"
  ln -s "$SVC_ROOT/volume/system" "$SVC_ROOT/app-sym/public/system"
  src_config sym
  run backup run sym
  echo "$output"
  [ "$status" -eq 0 ]
  run fx_restic sym ls --recursive latest
  echo "$output" | grep -qx "$SVC_ROOT/volume/system/media_attachments/files/000/000/001/original/photo1.jpg"
  echo "$output" | grep -qx "$SVC_ROOT/volume/system/accounts/avatars/avatar.png"
  ! echo "$output" | grep -q '/system/cache'
  jq -e '.media_files == 6' "$SVC_ROOT/state-sym/last-manifest.json"
}

@test "SIGTERM to the script during restic backup: restic stopped, no snapshot, true message" {
  before=$(snapshot_ids reg)
  rm -f "$SVC_ROOT/fake-backup-started"
  PATH=$SVC_ROOT/fakebin:$PATH FAKE_RESTIC=slow "$SCRIPTS/coop-backup" run reg >"$SVC_ROOT/sig1.out" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do [ -e "$SVC_ROOT/fake-backup-started" ] && break; sleep 0.1; done
  [ -e "$SVC_ROOT/fake-backup-started" ]
  kill -TERM "$pid"
  rc=0
  wait "$pid" || rc=$?
  cat "$SVC_ROOT/sig1.out"
  [ "$rc" -ne 0 ]
  [ "$(cat "$SVC_ROOT/sig1.out")" = "coop-backup: interrupted by signal during restic backup; no snapshot was written" ]
  [ "$(snapshot_ids reg)" = "$before" ]
  [ ! -e "$SVC_ROOT/state-reg/work/coop-backup-staging-reg" ]
}

@test "SIGTERM to the script after restic wrote its snapshot: the message says so, it is removed" {
  before=$(snapshot_ids reg)
  rm -f "$SVC_ROOT/fake-backup-started"
  PATH=$SVC_ROOT/fakebin:$PATH FAKE_RESTIC=finish "$SCRIPTS/coop-backup" run reg >"$SVC_ROOT/sig2.out" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do [ -e "$SVC_ROOT/fake-backup-started" ] && break; sleep 0.1; done
  kill -TERM "$pid"
  rc=0
  wait "$pid" || rc=$?
  cat "$SVC_ROOT/sig2.out"
  [ "$rc" -ne 0 ]
  [[ $(cat "$SVC_ROOT/sig2.out") =~ ^"coop-backup: interrupted by signal after restic wrote snapshot "[0-9a-f]{8}"; it was removed"$ ]]
  [ "$(snapshot_ids reg)" = "$before" ]
}

@test "REDIS_PASSWORD never in argv (backup and MIGRATE); INFO authenticated" {
  pw=redis-S3cr3t-pw
  REDISCLI_AUTH=$pw redis-cli -p "$REDIS_PW_PORT" -n 3 SET feed:pw:1 '"quoted" \ value' >/dev/null
  REDISCLI_AUTH=$pw redis-cli -p "$REDIS_PW_PORT" -n 3 SET 'key with "quotes" and spaces' 1 >/dev/null
  make_source pw 50
  src_config pw REDIS_PORT="$REDIS_PW_PORT" REDIS_DB=3 REDIS_PASSWORD="$pw"
  rm -f "$SVC_ROOT/redis-cli-argv" "$SVC_ROOT/ps-pw"
  PATH=$SVC_ROOT/fakebin:$PATH backup run pw >"$SVC_ROOT/pw-run.out" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do ps -eo args >>"$SVC_ROOT/ps-pw" 2>/dev/null || true; sleep 0.02; done
  wait "$pid"
  jq -e '.redis.server_version | test("^[0-9]+[.]")' "$SVC_ROOT/state-pw/last-manifest.json"
  dst_config pw REDIS_PORT="$REDIS_PW_PORT" REDIS_DB=5 REDIS_PASSWORD="$pw"
  PATH=$SVC_ROOT/fakebin:$PATH COOP_CONFIG_DIR=$DST_CONFIG_DIR "$SCRIPTS/coop-restore" pw >"$SVC_ROOT/pw-restore.out" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do ps -eo args >>"$SVC_ROOT/ps-pw" 2>/dev/null || true; sleep 0.02; done
  wait "$pid"
  [ "$(REDISCLI_AUTH=$pw redis-cli -p "$REDIS_PW_PORT" -n 5 GET feed:pw:1)" = '"quoted" \ value' ]
  [ "$(REDISCLI_AUTH=$pw redis-cli -p "$REDIS_PW_PORT" -n 5 GET 'key with "quotes" and spaces')" = 1 ]
  grep -q -- '--rdb' "$SVC_ROOT/redis-cli-argv" # the stand-in saw the calls
  ! grep -q "$pw" "$SVC_ROOT/redis-cli-argv"
  ! grep -q "$pw" "$SVC_ROOT/ps-pw"
  ! grep -q "$pw" "$SVC_ROOT/pw-run.out" "$SVC_ROOT/pw-restore.out"
  ! grep -rq "$pw" "$SVC_ROOT/state-pw" "$SVC_ROOT/dst/state-pw"
}
