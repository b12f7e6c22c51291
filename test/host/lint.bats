#!/usr/bin/env bats
# Static checks of the host scripts (no services needed).

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
}

@test "shellcheck: host scripts, benchmark and test helpers are clean" {
  run shellcheck "$ROOT/scripts/host/coop-backup" "$ROOT/scripts/host/coop-restore" \
    "$ROOT/scripts/host/coop-drill" "$ROOT/scripts/bench/restore.sh" \
    "$ROOT/test/host/helpers/services.bash" "$ROOT/test/host/helpers/common.bash"
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "the shared coop-lib block is identical in coop-backup and coop-restore" {
  block() { sed -n '/^# --- BEGIN coop-lib/,/^# --- END coop-lib ---$/p' "$1"; }
  [ -n "$(block "$ROOT/scripts/host/coop-backup")" ]
  diff <(block "$ROOT/scripts/host/coop-backup") <(block "$ROOT/scripts/host/coop-restore")
}

@test "every configuration key the scripts accept is documented in coop-backup's header" {
  keys=$(sed -n '/^COOP_ENV_KEYS="/,/"$/p; /^COOP_SECRET_KEYS="/,/"$/p' "$ROOT/scripts/host/coop-backup" |
    sed 's/^COOP_[A-Z_]*="//; s/"$//' | tr ' ' '\n' | grep -v '^$')
  header=$(sed -n '2,/^set -euo pipefail/p' "$ROOT/scripts/host/coop-backup")
  for k in $keys; do
    [ "$k" = DRILL_WEB_DOMAIN ] && continue # documented in coop-drill
    echo "$header" | grep -q "\b$k\b" || { echo "undocumented: $k"; false; }
  done
}

@test "usage errors exit 2 without touching anything" {
  run "$ROOT/scripts/host/coop-backup"
  [ "$status" -eq 2 ]
  run "$ROOT/scripts/host/coop-backup" explode main
  [ "$status" -eq 2 ]
  run "$ROOT/scripts/host/coop-restore"
  [ "$status" -eq 2 ]
  run "$ROOT/scripts/host/coop-drill" main
  [ "$status" -eq 2 ]
}
