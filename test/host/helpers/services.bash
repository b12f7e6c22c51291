# shellcheck shell=bash
# Throwaway services for the host script tests and the restore benchmark: real
# PostgreSQL (initdb/pg_ctl as the postgres OS user), real redis-server, and a restic
# REST repository served by `rclone serve restic`. Everything listens on 127.0.0.1 and
# lives under one directory ($SVC_ROOT) that svc_stop_all removes.
#
# Needs: /usr/lib/postgresql/<PG_MAJOR>/bin, redis-server, redis-cli, rclone, restic, jq,
# curl, node (health responder), running as root.

HOST_TEST_REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
export HOST_TEST_REPO_ROOT
export PG_MAJOR=${PG_MAJOR:-15}
export PG_TEST_BIN=/usr/lib/postgresql/$PG_MAJOR/bin

# A TCP port on 127.0.0.1 that nothing listens on and that was not handed out before
# (remembered in $SVC_ROOT/ports, since callers use $(svc_free_port) subshells).
svc_free_port() {
  local p _
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 30000))
    grep -qx "$p" "$SVC_ROOT/ports" 2>/dev/null && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p" >>"$SVC_ROOT/ports"
      echo "$p"
      return 0
    fi
  done
  echo "no free port" >&2
  return 1
}

# svc_init: create $SVC_ROOT (traversable by the postgres user).
svc_init() {
  SVC_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/coop-host-test.XXXXXX")
  chmod 0755 "$SVC_ROOT"
  export SVC_ROOT
}

svc_wait_port() {
  local port=$1 i
  for i in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on 127.0.0.1:$port" >&2
  return 1
}

# svc_pg_start NAME: a PostgreSQL cluster; sets PG_<NAME>_PORT. Trust auth on loopback.
svc_pg_start() {
  local name=$1 port dir
  port=$(svc_free_port)
  dir=$SVC_ROOT/pg-$name
  mkdir -p "$dir"
  chown postgres: "$dir"
  runuser -u postgres -- "$PG_TEST_BIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; return 1; }
  # The port can be taken between svc_free_port and the bind (e.g. by an outgoing
  # connection's ephemeral port): try a few other ports before giving up.
  local try
  for try in 1 2 3 4; do
    runuser -u postgres -- "$PG_TEST_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_wal_size=1GB" \
      start >/dev/null && break
    if ((try == 4)) || ! grep -q 'Address already in use' "$dir/server.log"; then
      cat "$dir/server.log" >&2
      return 1
    fi
    port=$(svc_free_port)
  done
  printf -v "PG_${name^^}_PORT" '%s' "$port"
  export "PG_${name^^}_PORT"
  echo "$dir" >>"$SVC_ROOT/pg-clusters"
}

svc_pg_stop() {
  local dir=$SVC_ROOT/pg-$1
  [[ -d $dir/data ]] || return 0
  runuser -u postgres -- "$PG_TEST_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
}

# svc_psql PORT [psql args]: psql as the postgres superuser.
svc_psql() {
  local port=$1
  shift
  "$PG_TEST_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"
}

# svc_redis_start NAME: redis-server without persistence; sets REDIS_<NAME>_PORT.
svc_redis_start() {
  local name=$1 port dir
  port=$(svc_free_port)
  dir=$SVC_ROOT/redis-$name
  mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --repl-diskless-sync-delay 0 --dir "$dir" --dbfilename dump.rdb --save '' \
    --appendonly no --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
  svc_wait_port "$port"
  printf -v "REDIS_${name^^}_PORT" '%s' "$port"
  export "REDIS_${name^^}_PORT"
}

# svc_rest_start: `rclone serve restic` on $SVC_ROOT/restic; sets REST_PORT, REST_DIR.
svc_rest_start() {
  REST_PORT=$(svc_free_port)
  REST_DIR=$SVC_ROOT/restic
  mkdir -p "$REST_DIR"
  rclone serve restic --config /dev/null --addr "127.0.0.1:$REST_PORT" "$REST_DIR" \
    >"$SVC_ROOT/rclone.log" 2>&1 &
  echo $! >"$SVC_ROOT/rclone.pid"
  svc_wait_port "$REST_PORT"
  export REST_PORT REST_DIR
}

svc_stop_all() {
  [[ -n ${SVC_ROOT:-} && -d $SVC_ROOT ]] || return 0
  local d f
  if [[ -f $SVC_ROOT/pg-clusters ]]; then
    while read -r d; do
      runuser -u postgres -- "$PG_TEST_BIN/pg_ctl" -D "$d/data" -m immediate -w stop >/dev/null 2>&1 || true
    done <"$SVC_ROOT/pg-clusters"
  fi
  for f in "$SVC_ROOT"/redis-*/redis.pid "$SVC_ROOT"/*.pid; do
    [[ -f $f ]] || continue
    kill "$(cat "$f")" 2>/dev/null || true
  done
  sleep 0.2
  grep -q " $SVC_ROOT/" /proc/mounts 2>/dev/null && awk -v r="$SVC_ROOT/" 'index($2, r) == 1 { print $2 }' /proc/mounts |
    sort -r | xargs -r -n1 umount -l 2>/dev/null
  rm -rf -- "$SVC_ROOT"
}

# --- fixtures -------------------------------------------------------------------------

# fx_dataset PORT DB STATUSES: create DB (owned by role OWNER, default postgres) and fill it.
fx_dataset() {
  local port=$1 db=$2 n=$3 owner=${4:-postgres}
  svc_psql "$port" -d postgres -c "CREATE DATABASE \"$db\" OWNER \"$owner\""
  PGOPTIONS="-c role=$owner" svc_psql "$port" -d "$db" -v statuses="$n" \
    -f "$HOST_TEST_REPO_ROOT/test/host/fixtures/make-dataset.sql" >/dev/null
}

# fx_checksum PORT DB: one md5 over the ordered content of the four tables.
fx_checksum() {
  svc_psql "$1" -d "$2" -At -c "
    SELECT md5(string_agg(h, ',' ORDER BY t)) FROM (
      SELECT 'accounts' AS t, md5(string_agg(a::text, '|' ORDER BY id)) AS h FROM accounts a
      UNION ALL SELECT 'users', md5(string_agg(u::text, '|' ORDER BY id)) FROM users u
      UNION ALL SELECT 'statuses', md5(string_agg(s::text, '|' ORDER BY id)) FROM statuses s
      UNION ALL SELECT 'media_attachments', md5(string_agg(m::text, '|' ORDER BY id)) FROM media_attachments m) x"
}

fx_counts() {
  svc_psql "$1" -d "$2" -At -c "SELECT json_build_object(
    'accounts', (SELECT count(*) FROM accounts), 'users', (SELECT count(*) FROM users),
    'statuses', (SELECT count(*) FROM statuses), 'media_attachments', (SELECT count(*) FROM media_attachments))"
}

# fx_app_dir DIR DOMAIN: an APP_DIR with settings, local media and a remote-media cache.
fx_app_dir() {
  local dir=$1 domain=$2 i
  mkdir -p "$dir/public/system/media_attachments/files" "$dir/public/system/accounts/avatars" \
    "$dir/public/system/cache/media_attachments/files"
  cat >"$dir/.env.production" <<EOF
LOCAL_DOMAIN=$domain
WEB_DOMAIN=$domain
SINGLE_USER_MODE=false
DB_HOST=127.0.0.1
REDIS_HOST=127.0.0.1
SMTP_SERVER=smtp.mail.example
SMTP_FROM_ADDRESS=notifications@$domain
EOF
  cat >"$dir/.env.secrets" <<EOF
SECRET_KEY_BASE=$(printf 'skb-%s' "$domain" | md5sum | cut -c1-32)
OTP_SECRET=otp-not-a-real-secret
DB_PASS=db-pass-not-real
SMTP_PASSWORD=smtp-pass-not-real
EOF
  chmod 0600 "$dir/.env.secrets"
  cat >"$dir/docker-compose.yml" <<'EOF'
services:
  web:
    image: ghcr.io/mastodon/mastodon:v4.3.8
EOF
  for i in 1 2 3 4 5; do
    mkdir -p "$dir/public/system/media_attachments/files/000/000/00$i/original"
    head -c $((20000 + i * 1000)) /dev/urandom >"$dir/public/system/media_attachments/files/000/000/00$i/original/photo$i.jpg"
    mkdir -p "$dir/public/system/cache/media_attachments/files/000/000/00$i/original"
    head -c 30000 /dev/urandom >"$dir/public/system/cache/media_attachments/files/000/000/00$i/original/remote$i.jpg"
  done
  head -c 5000 /dev/urandom >"$dir/public/system/accounts/avatars/avatar.png"
}

# fx_config NAME KEY=VALUE...: write $COOP_CONFIG_DIR/backup-NAME.env (+ .secrets).
# Secrets keys (RESTIC_PASSWORD, ...) go into .secrets.
fx_config() {
  local name=$1 kv
  shift
  mkdir -p "$COOP_CONFIG_DIR"
  : >"$COOP_CONFIG_DIR/backup-$name.env"
  : >"$COOP_CONFIG_DIR/backup-$name.secrets"
  chmod 0600 "$COOP_CONFIG_DIR/backup-$name.secrets"
  for kv in "$@"; do
    case ${kv%%=*} in
      RESTIC_PASSWORD | AWS_* | PGPASSWORD | PG_ADMIN_PASSWORD | REDIS_PASSWORD)
        echo "$kv" >>"$COOP_CONFIG_DIR/backup-$name.secrets" ;;
      *) echo "$kv" >>"$COOP_CONFIG_DIR/backup-$name.env" ;;
    esac
  done
}

# fx_restic NAME ARGS...: restic against instance NAME's repository (password via file).
fx_restic() {
  local name=$1 repo pw
  shift
  repo=$(sed -n 's/^RESTIC_REPOSITORY=//p' "$COOP_CONFIG_DIR/backup-$name.env")
  pw=$(sed -n 's/^RESTIC_PASSWORD=//p' "$COOP_CONFIG_DIR/backup-$name.secrets")
  RESTIC_REPOSITORY=$repo RESTIC_CACHE_DIR=$SVC_ROOT/restic-cache RESTIC_PASSWORD_FILE=/dev/fd/3 \
    restic "$@" 3<<<"$pw"
}
