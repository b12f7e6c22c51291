/**
 * npm run bench:plan — median wall time of the production plan beside a bare program of
 * one resource under the same mock runtime, and their ratio.
 * Options: --runs N (default 9), --stack NAME (default prod).
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const root = path.resolve(__dirname, "..", "..", "..");
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const runs = Number(option("--runs", "9"));
const stack = option("--stack", "prod");
if (!Number.isInteger(runs) || runs < 1) {
  console.error("bench:plan: --runs must be a whole number of at least 1");
  process.exit(2);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function time(command: string[]): number[] {
  const times: number[] = [];
  // One warm-up run fills the file system cache; it is not counted.
  for (let i = 0; i <= runs; i++) {
    const start = process.hrtime.bigint();
    const run = spawnSync(process.execPath, command, { cwd: root, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (run.status !== 0) {
      console.error(`bench:plan: ${command.join(" ")} failed:\n${run.stderr}`);
      process.exit(1);
    }
    if (i > 0) times.push(seconds);
  }
  return times;
}

const plan = time([path.join("scripts", "run-built.js"), "plan", stack]);
const bare = time([path.join("build", "scripts", "bench", "bare-program.js")]);
const planMedian = median(plan);
const bareMedian = median(bare);
const ratio = planMedian / bareMedian;

const row = (label: string, value: string, detail: string) => console.log(`  ${label.padEnd(36)} ${value.padStart(8)}   ${detail}`);
console.log(`bench:plan (${runs} runs each after one warm-up, medians of wall time)`);
row(`plan ${stack} (as npm run plan runs it)`, `${planMedian.toFixed(3)} s`, `(min ${Math.min(...plan).toFixed(3)}, max ${Math.max(...plan).toFixed(3)})`);
row("bare program, one resource", `${bareMedian.toFixed(3)} s`, `(min ${Math.min(...bare).toFixed(3)}, max ${Math.max(...bare).toFixed(3)})`);
row("ratio", `${ratio.toFixed(2)}x`, "(target: at most 1.5x, and the plan under 3 s)");
