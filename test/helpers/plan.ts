import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { REPO_ROOT } from "../../components/common/scripts";

export interface PlanRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface PlanResource {
  type: string;
  name: string;
  parent: string | null;
  inputs: Record<string, unknown>;
  options: { protect: boolean; ignoreChanges: string[]; deleteBeforeReplace: boolean; retainOnDelete: boolean; dependsOn: string[] };
}

export interface PlanJson {
  stack: string;
  project: string;
  resources: PlanResource[];
  outputs: Record<string, unknown>;
  warnings: string[];
}

const PLAN = path.join(REPO_ROOT, "build", "scripts", "plan.js");

/** Runs `npm run plan` the way a user does, from the compiled program. */
export function runPlan(args: string[]): PlanRun {
  const child = spawnSync(process.execPath, [PLAN, ...args], { encoding: "utf8", cwd: REPO_ROOT });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

export function planJson(stack: string, configFile?: string, outDir?: string): PlanJson {
  const args = [stack, "--json", ...(configFile ? ["--config-file", configFile] : []), ...(outDir ? ["--out", outDir] : [])];
  const run = runPlan(args);
  if (run.status !== 0) throw new Error(`plan ${args.join(" ")} exited ${run.status}:\n${run.stderr}`);
  return JSON.parse(run.stdout) as PlanJson;
}

export function tempDir(prefix = "coop-test-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Parsed copy of a stack file of the repository (e.g. "Pulumi.prod.yaml"). */
export function stackDoc(file: string): { config: Record<string, any> } {
  return parse(readFileSync(path.join(REPO_ROOT, file), "utf8"));
}

/** Writes a stack file changed by `edit` and returns its path. */
export function writeStack(doc: { config: Record<string, any> }, edit: (config: Record<string, any>) => void = () => {}): string {
  const copy = structuredClone(doc);
  edit(copy.config);
  const file = path.join(tempDir(), "Pulumi.test.yaml");
  writeFileSync(file, stringify(copy));
  return file;
}
