#!/usr/bin/env bats
# coop-deploy reads what Pulumi renders without executing it.

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  DIR=$(mktemp -d)
}

teardown() {
  rm -rf "$DIR"
}

@test "every deploy.env the plans render is accepted" {
  for stack in prod alpha; do
    node "$ROOT/build/scripts/plan.js" "$stack" --out "$DIR/$stack" >/dev/null
  done
  node "$ROOT/build/scripts/plan.js" drill --config-file "$ROOT/stacks/drill.template.yaml" --out "$DIR/drill" >/dev/null
  count=0
  for f in "$DIR"/*/*/deploy.env; do
    run "$ROOT/scripts/host/coop-deploy" check-env "$f"
    echo "$output"
    [ "$status" -eq 0 ]
    count=$((count + 1))
  done
  [ "$count" -eq 3 ]
}

@test "a value with shell syntax is refused and never run" {
  printf 'INSTANCE=main\nADMIN_EMAIL=$(touch %s/pwned)@x.org\n' "$DIR" > "$DIR/deploy.env"
  run "$ROOT/scripts/host/coop-deploy" check-env "$DIR/deploy.env"
  [ "$status" -eq 1 ]
  [ "$output" = "coop-deploy: $DIR/deploy.env: ADMIN_EMAIL has characters other than letters, digits and @._+-" ]
  [ ! -e "$DIR/pwned" ]
}

@test "an unknown setting is refused" {
  printf 'INSTANCE=main\nPATH=/tmp\n' > "$DIR/deploy.env"
  run "$ROOT/scripts/host/coop-deploy" check-env "$DIR/deploy.env"
  [ "$status" -eq 1 ]
  [ "$output" = "coop-deploy: $DIR/deploy.env: unknown setting PATH" ]
}

@test "apply refuses staged files of another instance before touching anything" {
  printf 'INSTANCE=other\n' > "$DIR/deploy.env"
  run "$ROOT/scripts/host/coop-deploy" apply main "$DIR"
  [ "$status" -eq 1 ]
  [ "$output" = "coop-deploy: staged files are for other, not main" ]
}

@test "every backup setting file the plans render passes coop-backup's strict reader" {
  node "$ROOT/build/scripts/plan.js" prod --out "$DIR/prod" >/dev/null
  node "$ROOT/build/scripts/plan.js" alpha --out "$DIR/alpha" >/dev/null
  count=0
  for env in "$DIR"/*/*-backup/backup-*.env; do
    name=$(basename "$env" .env)
    mkdir -p "$DIR/config"
    # Only where things live changes: a closed loopback port instead of the real repository.
    sed -e "s|^STATE_DIR=.*|STATE_DIR=$DIR/state|" -e "s|^APP_DIR=.*|APP_DIR=$DIR/app|" \
      -e "s|^RESTIC_REPOSITORY=.*|RESTIC_REPOSITORY=rest:http://127.0.0.1:9/|" "$env" > "$DIR/config/$name.env"
    printf 'RESTIC_PASSWORD=x\n' > "$DIR/config/$name.secrets"
    chmod 600 "$DIR/config/$name.secrets"
    run env COOP_CONFIG_DIR="$DIR/config" "$ROOT/scripts/host/coop-backup" status "${name#backup-}"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"rest:http://127.0.0.1:9/"* ]]
    [[ $output != *"line "* ]]
    count=$((count + 1))
  done
  [ "$count" -eq 2 ]
}
