/** shellcheck on every shell script of the repository. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "../components/common/scripts";

const SKIP = new Set(["node_modules", "build", ".git", "plan-out"]);

export function shellScripts(dir = REPO_ROOT): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      found.push(...shellScripts(full));
    } else if (/\.(sh|bash)$/.test(name) || /^#!\s*(\/usr\/bin\/env\s+bash|\/bin\/(ba)?sh)\b/.test(readFileSync(full, "utf8").slice(0, 40))) {
      found.push(full);
    }
  }
  return found;
}

describe("shell scripts", () => {
  const scripts = shellScripts();

  it("include the host scripts and CI", () => {
    const names = scripts.map((s) => path.relative(REPO_ROOT, s));
    for (const expected of ["scripts/host/coop-deploy", "scripts/host/coop-prepare-volume", ".ci/run"]) {
      assert.ok(names.includes(expected), `${expected} found`);
    }
  });

  for (const script of scripts) {
    it(`${path.relative(REPO_ROOT, script)} passes shellcheck`, () => {
      const run = spawnSync("shellcheck", ["-x", "-P", path.dirname(script), script], { encoding: "utf8", cwd: REPO_ROOT });
      assert.equal(run.error, undefined, "shellcheck must be installed");
      assert.equal(run.status, 0, run.stdout + run.stderr);
    });
  }

  it("fail loudly: every script sets -euo pipefail", () => {
    for (const script of scripts.filter((s) => !/lib\.sh$|\/helpers\//.test(s))) {
      assert.match(readFileSync(script, "utf8"), /^set -euo pipefail$/m, path.relative(REPO_ROOT, script));
    }
  });
});
