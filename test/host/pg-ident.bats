#!/usr/bin/env bats
# coop-pg-ident against a real PostgreSQL cluster: root reaches the instance roles over
# the socket with peer authentication, and nobody else's roles.

load helpers/services

setup_file() {
  svc_init
  svc_pg_start ident
  DATA=$SVC_ROOT/pg-ident/data
  # What the bootstrap does on a host: local connections go through the map "coop".
  sed -i -E 's/^(local\s+all\s+all\s+)trust\s*$/\1peer map=coop/' "$DATA/pg_hba.conf"
  svc_psql "$PG_IDENT_PORT" -c "CREATE ROLE mastodon_main LOGIN" -c "CREATE ROLE intruder LOGIN"
  export DATA
}

teardown_file() {
  svc_stop_all
}

as_root() { # ROLE: connect over the socket as ROLE, print current_user
  "$PG_TEST_BIN/psql" -X -At -h "$SVC_ROOT/pg-ident" -p "$PG_IDENT_PORT" -U "$1" -d postgres -c 'SELECT current_user'
}

@test "root connects as the mapped instance role and as postgres, not as other roles" {
  PG_IDENT_FILE=$DATA/pg_ident.conf "$HOST_TEST_REPO_ROOT/scripts/host/coop-pg-ident" mastodon_main
  runuser -u postgres -- "$PG_TEST_BIN/pg_ctl" -D "$DATA" reload >/dev/null
  sleep 0.5
  [ "$(as_root mastodon_main)" = mastodon_main ]
  [ "$(as_root postgres)" = postgres ]
  run as_root intruder
  [ "$status" -ne 0 ]
  [[ $output == *"Peer authentication failed"* ]]
}

@test "a second run changes nothing" {
  before=$(sha256sum "$DATA/pg_ident.conf")
  PG_IDENT_FILE=$DATA/pg_ident.conf "$HOST_TEST_REPO_ROOT/scripts/host/coop-pg-ident" mastodon_main
  [ "$(sha256sum "$DATA/pg_ident.conf")" = "$before" ]
}

@test "refuses a role name that is not one" {
  run env PG_IDENT_FILE="$DATA/pg_ident.conf" "$HOST_TEST_REPO_ROOT/scripts/host/coop-pg-ident" 'x; DROP'
  [ "$status" -eq 1 ]
  [ "$output" = "coop-pg-ident: x; DROP is not a role name" ]
}
