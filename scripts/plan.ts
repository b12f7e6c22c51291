/**
 * npm run plan -- <stack> [--config-file F] [--json] [--out DIR]
 *
 * Shows what a stack declares without credentials or the Pulumi CLI: the real program
 * runs under Pulumi's mock runtime with the stack's config. Exit status 2 and every
 * problem on stderr when the config is invalid; nothing then reaches stdout.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { ConfigError } from "../components/config/validate";
import { formatPlan } from "./plan/format";
import { PlanOptions, runPlan, stackFilePath } from "./plan/run";

const USAGE = "usage: npm run plan -- <stack> [--config-file FILE] [--json] [--out DIR]";

interface Cli extends PlanOptions {
  json: boolean;
  out?: string;
}

function parseArgs(argv: string[]): Cli {
  const cli: Partial<Cli> = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v === "" || v.startsWith("--")) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === "--json") cli.json = true;
    else if (arg === "--config-file") cli.configFile = value();
    else if (arg === "--out") cli.out = value();
    else if (arg === "--help" || arg === "-h") throw new UsageError("");
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else if (cli.stack === undefined) cli.stack = arg;
    else throw new UsageError(`unexpected argument ${arg}`);
  }
  if (!cli.stack) throw new UsageError("the stack name is missing (e.g. prod, alpha)");
  if (!/^[A-Za-z0-9_.-]+$/.test(cli.stack)) throw new UsageError(`stack name ${JSON.stringify(cli.stack)} may hold only letters, digits, '.', '_' and '-'`);
  return cli as Cli;
}

class UsageError extends Error {}

async function main(): Promise<number> {
  let cli: Cli;
  try {
    cli = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message) process.stderr.write(`plan: ${e.message}\n`);
      process.stderr.write(`${USAGE}\n`);
      return e.message ? 2 : 0;
    }
    throw e;
  }
  try {
    const plan = await runPlan(cli);
    if (cli.out) {
      for (const f of plan.files) {
        const target = path.join(cli.out, f.component, f.path);
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, f.content);
      }
    }
    const { files } = plan;
    const document = {
      stack: plan.stack,
      project: plan.project,
      resources: plan.resources.map(({ type, name, parent, inputs, options }) => ({ type, name, parent, inputs, options })),
      outputs: plan.outputs,
      warnings: plan.warnings,
    };
    if (cli.json) process.stdout.write(JSON.stringify(document, null, 2) + "\n");
    else {
      process.stdout.write(formatPlan(plan, path.relative(process.cwd(), stackFilePath(cli)) || stackFilePath(cli)));
      if (cli.out) process.stdout.write(`\nRendered host files (${files.length}) written under ${cli.out}\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`plan: ${stackFilePath(cli)} is invalid (${e.problems.length} problem${e.problems.length === 1 ? "" : "s"}):\n`);
      for (const p of e.problems) process.stderr.write(`${p}\n`);
      return 2;
    }
    process.stderr.write(`plan: ${(e as Error).message}\n`);
    return 1;
  }
}

main().then((code) => process.exit(code));
