import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

/** Root of the repository, whether running from sources or from build/. */
export const REPO_ROOT = (() => {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    try {
      readFileSync(path.join(dir, "Pulumi.yaml"));
      return dir;
    } catch {
      dir = path.dirname(dir);
    }
  }
  throw new Error("cannot find the repository root (Pulumi.yaml) above " + __dirname);
})();

/** Text of a script in scripts/host/, shipped to hosts as it is in the repository. */
export function hostScript(name: string): string {
  return readFileSync(path.join(REPO_ROOT, "scripts", "host", name), "utf8");
}

/** The scripts of scripts/host/ that are installed on every host, in a stable order. */
export function hostScriptNames(): string[] {
  return readdirSync(path.join(REPO_ROOT, "scripts", "host")).filter((n) => /^coop-[a-z-]+(\.sh)?$/.test(n)).sort();
}
