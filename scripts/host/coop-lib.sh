# shellcheck shell=bash
# Shared helpers for coop-backup, coop-restore and coop-drill. Sourced, not run.
#
# Looked up next to the calling script, then in /usr/local/lib/coop-mastodon/.
# Everything here avoids printing secrets: values from the .secrets file live in
# unexported shell variables and reach child processes only through file
# descriptors or per-command environment assignments, never argv.

# Keys accepted from backup-<instance>.env (no secrets there).
COOP_ENV_KEYS=" APP_DIR STATE_DIR WORK_DIR RESTORE_DIR
 PGHOST PGPORT PGUSER PGDATABASE PG_JOBS PG_RESTORE_JOBS PG_BIN_ROOT PG_COMPRESS
 PG_ADMIN_USER PG_ADMIN_DB RESTORE_ANALYZE
 REDIS_HOST REDIS_PORT REDIS_DB REDIS_RESTORE_MODE REDIS_RDB_TARGET
 RESTIC_REPOSITORY RESTIC_CACHE_DIR KEEP_HOURLY KEEP_DAILY KEEP_WEEKLY KEEP_MONTHLY
 CHECK_SUBSET ALERT_URL VERIFY_ALERT_URL LOCK_WAIT DRILL_WEB_DOMAIN "
# Keys accepted from backup-<instance>.secrets.
COOP_SECRET_KEYS=" RESTIC_PASSWORD AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY PGPASSWORD
 PG_ADMIN_PASSWORD REDIS_PASSWORD "

COOP_LOG=/dev/null

coop_say() { printf '%s: %s\n' "$COOP_PROG" "$*"; }
coop_warn() { printf '%s: %s\n' "$COOP_PROG" "$*" >&2; }

# die MESSAGE: one line on stderr, then exit 1 (the EXIT trap cleans up).
coop_die() {
  COOP_DIED=1
  # Also seen by the parent when called inside $(...).
  if [[ -n ${COOP_TMP:-} && -d $COOP_TMP ]]; then : >"$COOP_TMP/died"; fi
  printf '%s: %s\n' "$COOP_PROG" "$*" | head -n 1 >&2
  exit 1
}

# Parse KEY=VALUE lines (optional "export ", optional single/double quotes) into
# shell variables; only keys in the allow-list ($2) are taken. Nothing is executed.
coop_read_kv() {
  local file=$1 allowed=$2 line key val
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line%$'\r'}
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    line=${line#export }
    [[ $line =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    key=${BASH_REMATCH[1]} val=${BASH_REMATCH[2]}
    if [[ $val =~ ^\"(.*)\"[[:space:]]*$ ]] || [[ $val =~ ^\'(.*)\'[[:space:]]*$ ]]; then
      val=${BASH_REMATCH[1]}
    fi
    [[ $allowed == *" $key "* ]] || continue
    printf -v "$key" '%s' "$val"
  done <"$file"
}

# Value of KEY in a dotenv file (last wins), empty if absent.
coop_env_value() {
  local file=$1 key=$2
  [[ -r $file ]] || return 0
  sed -n -E "s/^[[:space:]]*(export[[:space:]]+)?${key}=[\"']?([^\"']*)[\"']?[[:space:]]*$/\2/p" "$file" | tail -n 1
}

coop_load_config() {
  local instance=$1
  [[ $instance =~ ^[a-z0-9][a-z0-9_-]*$ ]] || coop_die "invalid instance name '$instance'"
  COOP_INSTANCE=$instance
  COOP_CONFIG_DIR=${COOP_CONFIG_DIR:-/etc/coop-mastodon}
  COOP_ENV_FILE=$COOP_CONFIG_DIR/backup-$instance.env
  COOP_SECRETS_FILE=$COOP_CONFIG_DIR/backup-$instance.secrets
  [[ -r $COOP_ENV_FILE ]] || coop_die "cannot read $COOP_ENV_FILE"
  [[ -r $COOP_SECRETS_FILE ]] || coop_die "cannot read $COOP_SECRETS_FILE"
  local k
  for k in $COOP_ENV_KEYS $COOP_SECRET_KEYS; do unset "$k"; done
  coop_read_kv "$COOP_ENV_FILE" "$COOP_ENV_KEYS"
  coop_read_kv "$COOP_SECRETS_FILE" "$COOP_SECRET_KEYS"
  [[ -n ${RESTIC_PASSWORD:-} ]] || coop_die "RESTIC_PASSWORD missing in $COOP_SECRETS_FILE"
  [[ -n ${RESTIC_REPOSITORY:-} ]] || coop_die "RESTIC_REPOSITORY missing in $COOP_ENV_FILE"
  [[ -n ${APP_DIR:-} ]] || coop_die "APP_DIR missing in $COOP_ENV_FILE"
  STATE_DIR=${STATE_DIR:-/var/lib/coop-mastodon/$instance}
  WORK_DIR=${WORK_DIR:-$STATE_DIR/work}
  RESTORE_DIR=${RESTORE_DIR:-$WORK_DIR/restore}
  PG_JOBS=${PG_JOBS:-2}
  PG_RESTORE_JOBS=${PG_RESTORE_JOBS:-$PG_JOBS}
  PG_BIN_ROOT=${PG_BIN_ROOT:-/usr/lib/postgresql}
  PG_COMPRESS=${PG_COMPRESS:-0}
  PG_ADMIN_USER=${PG_ADMIN_USER:-postgres}
  PG_ADMIN_DB=${PG_ADMIN_DB:-postgres}
  PGDATABASE=${PGDATABASE:-mastodon_$instance}
  PGUSER=${PGUSER:-mastodon_$instance}
  PGHOST=${PGHOST:-/var/run/postgresql}
  PGPORT=${PGPORT:-5432}
  REDIS_HOST=${REDIS_HOST:-}
  REDIS_PORT=${REDIS_PORT:-6379}
  REDIS_DB=${REDIS_DB:-0}
  REDIS_RESTORE_MODE=${REDIS_RESTORE_MODE:-migrate}
  RESTIC_CACHE_DIR=${RESTIC_CACHE_DIR:-$STATE_DIR/restic-cache}
  CHECK_SUBSET=${CHECK_SUBSET:-5%}
  LOCK_WAIT=${LOCK_WAIT:-3600}
  RESTORE_ANALYZE=${RESTORE_ANALYZE:-yes}
  [[ $PG_JOBS =~ ^[1-9][0-9]*$ ]] || coop_die "PG_JOBS must be a positive integer"
  [[ $PG_RESTORE_JOBS =~ ^[1-9][0-9]*$ ]] || coop_die "PG_RESTORE_JOBS must be a positive integer"
  [[ $REDIS_DB =~ ^[0-9]+$ ]] || coop_die "REDIS_DB must be a number"
  export PGHOST PGPORT PGUSER PGDATABASE RESTIC_REPOSITORY RESTIC_CACHE_DIR
  unset PGPASSFILE
  mkdir -p "$STATE_DIR"
  chmod 0750 "$STATE_DIR"
  # Private scratch dir for logs and small files; removed by coop_cleanup_base.
  COOP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/$COOP_PROG.XXXXXX")
  chmod 0700 "$COOP_TMP"
}

# True if coop_die already printed the reason (here or in a command substitution).
coop_died() { ((COOP_DIED)) || [[ -n ${COOP_TMP:-} && -e $COOP_TMP/died ]]; }

coop_cleanup_base() {
  [[ -n ${COOP_TMP:-} && -d $COOP_TMP ]] && rm -rf -- "$COOP_TMP"
  return 0
}

# Seconds since the epoch with microseconds; duration A B prints B-A rounded to 0.001.
coop_now() { printf '%s\n' "$EPOCHREALTIME"; }
coop_dur() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", b - a }'; }
coop_iso_now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# --- restic --------------------------------------------------------------------
# restic with the password on fd 3 and the object storage keys in its environment
# only. stdout goes to the caller, stderr to $COOP_TMP/restic.err (and the run log).
coop_restic() {
  local rc=0
  if [[ -n ${AWS_ACCESS_KEY_ID:-} ]]; then
    AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-} \
      RESTIC_PASSWORD_FILE=/dev/fd/3 restic "$@" 3<<<"$RESTIC_PASSWORD" 2>"$COOP_TMP/restic.err" || rc=$?
  else
    RESTIC_PASSWORD_FILE=/dev/fd/3 restic "$@" 3<<<"$RESTIC_PASSWORD" 2>"$COOP_TMP/restic.err" || rc=$?
  fi
  cat "$COOP_TMP/restic.err" >>"$COOP_LOG"
  return "$rc"
}

# After a failed coop_restic: turn its stderr into one clear line and die.
coop_restic_fail() {
  local what=$1 rc=$2
  if grep -q 'wrong password or no key found' "$COOP_TMP/restic.err" 2>/dev/null; then
    coop_die "restic repository password is wrong (RESTIC_PASSWORD in $COOP_SECRETS_FILE)"
  fi
  local last
  last=$(grep -v '^[[:space:]]*$' "$COOP_TMP/restic.err" 2>/dev/null | tail -n 1 || true)
  coop_die "$what failed (restic exit $rc): ${last:-no message}"
}

coop_restic_or_die() {
  local what=$1 rc=0
  shift
  coop_restic "$@" || rc=$?
  ((rc == 0)) || coop_restic_fail "$what" "$rc"
}

# Full id of the newest snapshot of this instance, empty if none.
coop_latest_snapshot() {
  local out
  coop_restic_or_die "listing snapshots" snapshots --json --tag "instance=$COOP_INSTANCE" >"$COOP_TMP/snaps.json"
  out=$(jq -r 'sort_by(.time) | last | .id // empty' "$COOP_TMP/snaps.json")
  printf '%s\n' "$out"
}

# --- PostgreSQL ------------------------------------------------------------------
# Any psql to ask the server its version; then the matching client directory.
coop_any_psql() {
  local p
  p=$(printf '%s\n' "$PG_BIN_ROOT"/*/bin/psql | sort -V -r | head -n 1)
  if [[ -x $p ]]; then printf '%s\n' "$p"; return 0; fi
  command -v psql || coop_die "no psql found under $PG_BIN_ROOT or in PATH"
}

# coop_pg_bin_for_server [admin]: sets PG_SERVER_VERSION, PG_SERVER_MAJOR, PG_BIN.
# shellcheck disable=SC2120 # coop-restore passes "admin"
coop_pg_bin_for_server() {
  local psql num
  psql=$(coop_any_psql)
  if [[ ${1:-} == admin ]]; then
    num=$(coop_pg_admin_env "$psql" -X -At -d "$PG_ADMIN_DB" -c 'SHOW server_version_num' 2>"$COOP_TMP/pg.err") ||
      coop_die "cannot reach PostgreSQL at $PGHOST:$PGPORT as $PG_ADMIN_USER: $(tail -n 1 "$COOP_TMP/pg.err")"
  else
    num=$(coop_pg_env "$psql" -X -At -c 'SHOW server_version_num' 2>"$COOP_TMP/pg.err") ||
      coop_die "cannot reach PostgreSQL at $PGHOST:$PGPORT: $(tail -n 1 "$COOP_TMP/pg.err")"
  fi
  [[ $num =~ ^[0-9]+$ ]] || coop_die "unexpected server_version_num '$num'"
  if ((num >= 100000)); then PG_SERVER_MAJOR=$((num / 10000)); else PG_SERVER_MAJOR="$((num / 10000)).$((num / 100 % 100))"; fi
  # shellcheck disable=SC2034 # used by the callers
  PG_SERVER_VERSION=$num
  PG_BIN=$PG_BIN_ROOT/$PG_SERVER_MAJOR/bin
  [[ -x $PG_BIN/pg_dump && -x $PG_BIN/pg_restore && -x $PG_BIN/psql ]] ||
    coop_die "PostgreSQL $PG_SERVER_MAJOR client tools missing in $PG_BIN (install postgresql-client-$PG_SERVER_MAJOR); refusing to use another major version"
  local v
  v=$("$PG_BIN/pg_dump" --version | awk '{print $3}')
  [[ ${v%%.*} == "${PG_SERVER_MAJOR%%.*}" ]] || coop_die "$PG_BIN/pg_dump is version $v, server is $PG_SERVER_MAJOR"
  # shellcheck disable=SC2034 # used by coop-backup
  PG_DUMP_VERSION=$v
}

# Run a libpq tool as the instance role (PGPASSWORD from .secrets if any).
coop_pg_env() {
  if [[ -n ${PGPASSWORD:-} ]]; then PGPASSWORD=$PGPASSWORD "$@"; else "$@"; fi
}
# Run a libpq tool as the admin role (superuser that can create roles/databases).
coop_pg_admin_env() {
  if [[ -n ${PG_ADMIN_PASSWORD:-} ]]; then
    PGUSER=$PG_ADMIN_USER PGPASSWORD=$PG_ADMIN_PASSWORD "$@"
  else
    PGUSER=$PG_ADMIN_USER "$@"
  fi
}

# Take an exclusive per-instance lock (run, verify and restore never overlap).
coop_lock() {
  exec 9>"$STATE_DIR/.lock"
  flock -w "$LOCK_WAIT" 9 || coop_die "another coop-backup/coop-restore for $COOP_INSTANCE is still running (lock $STATE_DIR/.lock)"
}

# ping URL: health-check style alert; never prints the URL (it may hold a token).
coop_ping() {
  local url=$1
  [[ -n $url ]] || return 0
  curl -fsS -m 10 --retry 2 -o /dev/null "$url" 2>/dev/null || coop_warn "alert ping failed"
}
