/**
 * Evaluates the real program for one stack under Pulumi's mock runtime and collects
 * what it declares. One plan per process: the mock runtime is global.
 */
import * as pulumi from "@pulumi/pulumi";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { PROJECT } from "../../components/config/defaults";
import { projectConfig } from "../../components/config/load";
import { ConfigError, validateStackConfig } from "../../components/config/validate";
import { StackConfig } from "../../components/config/types";
import { REPO_ROOT } from "../../components/common/scripts";
import { DeclaredResource, planMocks, ReferencedOutputs } from "./mocks";
import { readStackFile } from "./stack-file";

export interface PlanOptions {
  stack: string;
  configFile?: string;
}

export interface RenderedFile {
  /** Where it goes: the component that ships it, and its path there. */
  component: string;
  path: string;
  content: string;
}

export interface Plan {
  stack: string;
  /** Stacks whose plans answered this one's stack references. */
  referencedStacks: string[];
  project: string;
  resources: DeclaredResource[];
  outputs: Record<string, unknown>;
  warnings: string[];
  files: RenderedFile[];
}

export const SECRET_SHOWN_AS = "[secret]";

export function stackFilePath(options: PlanOptions): string {
  return options.configFile ? path.resolve(options.configFile) : path.join(REPO_ROOT, `Pulumi.${options.stack}.yaml`);
}

/** Reads and validates the stack file; throws ConfigError with every problem. */
export function checkStackFile(options: PlanOptions) {
  const file = readStackFile(stackFilePath(options));
  if (file.fatal.length > 0) throw new ConfigError(file.fatal);
  const problems = [...file.problems];
  let result;
  try {
    result = validateStackConfig(projectConfig(file.config));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const reported = (p: string) => file.misplacedSecrets.some((path) => p.startsWith(`${path}:`));
    problems.push(...e.problems.filter((p) => !reported(p)));
  }
  if (problems.length > 0 || !result) throw new ConfigError(problems);
  return { file, ...result };
}

/** Stacks being planned by the parents of this process, to refuse reference cycles. */
const CHAIN_VARIABLE = "COOP_PLAN_CHAIN";

/** A referenced stack's outputs come from that stack's own plan, run in a child process. */
function planReferencedStacks(stack: string, references: Record<string, string>): ReferencedOutputs {
  const outputs: ReferencedOutputs = {};
  const chain = [...(process.env[CHAIN_VARIABLE] ?? "").split(",").filter(Boolean), stack];
  for (const [alias, fullName] of Object.entries(references)) {
    const [, project, referenced] = fullName.split("/");
    const where = `stackReferences.${alias}`;
    if (project !== PROJECT) throw new ConfigError([`${where}: "${fullName}" is a stack of project ${project}; a plan can only answer references to stacks of ${PROJECT}`]);
    if (chain.includes(referenced)) throw new ConfigError([`${where}: "${fullName}" refers back to ${chain.join(" → ")}; stack references must not form a cycle`]);
    const file = path.join(REPO_ROOT, `Pulumi.${referenced}.yaml`);
    if (!existsSync(file)) throw new ConfigError([`${where}: "${fullName}" has no Pulumi.${referenced}.yaml in the repository to plan it from`]);
    const child = spawnSync(process.execPath, [path.join(__dirname, "..", "plan.js"), referenced, "--json"], {
      encoding: "utf8",
      env: { ...process.env, [CHAIN_VARIABLE]: chain.join(",") },
    });
    if (child.status === 2) {
      const lines = child.stderr.split("\n").filter((l) => l && !l.startsWith("plan: "));
      throw new ConfigError(lines.map((l) => l.startsWith(`${where}:`) || l.startsWith("stackReferences.") ? l : `${where}: Pulumi.${referenced}.yaml: ${l}`));
    }
    if (child.status !== 0) throw new Error(`planning the referenced stack ${referenced} failed:\n${child.stderr}`);
    outputs[fullName] = JSON.parse(child.stdout).outputs;
  }
  return outputs;
}

/** What an instance takes from referenced stacks must exist there. */
function checkReferencedNames(config: StackConfig, referenced: ReferencedOutputs): void {
  const problems: string[] = [];
  const has = (alias: string, output: string, key: string) => {
    const value = referenced[config.stackReferences[alias]]?.[output];
    return typeof value === "object" && value !== null && Object.hasOwn(value, key);
  };
  for (const [name, inst] of Object.entries(config.instances)) {
    const { stackAlias, host } = inst.host;
    if (stackAlias !== undefined && !has(stackAlias, "hosts", host)) {
      problems.push(`instances.${name}.host: "${stackAlias}.${host}": stack ${config.stackReferences[stackAlias]} has no host ${host}`);
    }
    const source = inst.restoreFrom;
    if (source && !has(source.stackAlias, "backups", source.instance)) {
      problems.push(`instances.${name}.restoreFrom: "${source.stackAlias}.${source.instance}": stack ${config.stackReferences[source.stackAlias]} has no backed-up instance ${source.instance}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

async function settle(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const output = value as pulumi.Output<unknown>;
    const isSecret = await (output as unknown as { isSecret: Promise<boolean> }).isSecret;
    if (isSecret) return SECRET_SHOWN_AS;
    return settle(await new Promise((resolve) => output.apply((v) => { resolve(v); return v; })));
  }
  if (Array.isArray(value)) return Promise.all(value.map(settle));
  if (value && typeof value === "object" && !(value instanceof pulumi.asset.Asset)) {
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await settle(v)] as const));
    return Object.fromEntries(entries);
  }
  return value;
}

/** Pulumi's wire format marks secrets and assets with a signature key. */
const SIGNATURE = "4dabf18193072939515e22adb298388d";
const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";
const ASSET_SIGNATURE = "c44067f5952c0a294b673a41bacd8c17";

/** A deep copy with secrets replaced by [secret]; assets are kept to be read later. */
function unwrapSerialized(value: unknown): unknown {
  if (value instanceof pulumi.asset.Asset) return value;
  if (Array.isArray(value)) return value.map(unwrapSerialized);
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SIGNATURE] === SECRET_SIGNATURE) return SECRET_SHOWN_AS;
    if (record[SIGNATURE] === ASSET_SIGNATURE) return { text: record.text, path: record.path };
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSerialized(v)]));
  }
  return value;
}

/** The stack itself is the root of every plan and is not listed. */
function topLevel(parent: pulumi.Resource | undefined): boolean {
  return !parent || (parent as unknown as { __pulumiType?: string }).__pulumiType === "pulumi:pulumi:Stack";
}

function resourceName(resource: pulumi.Resource | undefined): string | undefined {
  return resource ? (resource as unknown as { __name?: string }).__name : undefined;
}

export async function runPlan(options: PlanOptions): Promise<Plan> {
  const { file, config } = checkStackFile(options);
  const referenced = planReferencedStacks(options.stack, config.stackReferences);
  checkReferencedNames(config, referenced);

  const declared = new Map<string, DeclaredResource>();
  const secretInputs = new Map<string, Promise<string[]>>();
  const inputsSeen = new Map<string, Record<string, unknown>>();
  const key = (type: string, name: string) => `${type}::${name}`;
  const warnings: string[] = [];

  const mocks = planMocks(referenced, config.dns?.zoneId ? { [config.dns.zone]: config.dns.zoneId } : {});
  await pulumi.runtime.setMocks({
    newResource(args) {
      // Copied now: the SDK reuses the object after this call.
      inputsSeen.set(key(args.type, args.name), unwrapSerialized(args.inputs) as Record<string, unknown>);
      return mocks.newResource(args);
    },
    call: (args) => mocks.call(args),
  }, PROJECT, options.stack, true);
  pulumi.runtime.setAllConfig(file.config, file.secretKeys);

  const declareProgram = () => pulumi.runtime.registerStackTransformation((args) => {
    const k = key(args.type, args.name);
    const deps = args.opts.dependsOn;
    declared.set(k, {
      type: args.type,
      name: args.name,
      parent: topLevel(args.opts.parent) ? null : resourceName(args.opts.parent)!,
      parentType: topLevel(args.opts.parent) ? undefined : (args.opts.parent as unknown as { __pulumiType: string }).__pulumiType,
      inputs: {},
      options: {
        protect: args.opts.protect === true,
        ignoreChanges: [...(args.opts.ignoreChanges ?? [])],
        deleteBeforeReplace: (args.opts as pulumi.CustomResourceOptions).deleteBeforeReplace === true,
        retainOnDelete: args.opts.retainOnDelete === true,
        dependsOn: Array.isArray(deps) ? deps.map((d) => resourceName(d as pulumi.Resource) ?? "?") : [],
      },
    });
    // Which inputs are secret, so the plan shows them as [secret] and never their value.
    secretInputs.set(k, Promise.all(Object.entries(args.props ?? {}).map(async ([name, v]) =>
      pulumi.Output.isInstance(v) && (await (v as unknown as { isSecret: Promise<boolean> }).isSecret) ? name : ""))
      .then((names) => names.filter(Boolean)));
    return undefined;
  });

  const realWarn = pulumi.log.warn;
  pulumi.log.warn = (message: string) => { warnings.push(message); return Promise.resolve(); };
  let programExports: Record<string, unknown> = {};
  let programOutputs: Record<string, unknown> = {};
  try {
    // As the Pulumi CLI does: the program runs inside the root stack resource.
    await pulumi.runtime.runInPulumiStack(async () => {
      declareProgram();
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      programExports = require(path.join(__dirname, "..", "..", "index"));
      return programExports;
    });
    const outputs: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(programExports)) outputs[name] = await settle(value);
    await pulumi.runtime.disconnect();
    await new Promise((resolve) => setImmediate(resolve));
    programOutputs = outputs;
  } finally {
    // Warnings from applies arrive until everything has settled.
    pulumi.log.warn = realWarn;
  }
  const outputs = programOutputs;

  const files: RenderedFile[] = [];
  const resources: DeclaredResource[] = [];
  for (const [k, resource] of declared) {
    const inputs = { ...(inputsSeen.get(k) ?? {}) };
    for (const secret of await (secretInputs.get(k) ?? Promise.resolve([]))) inputs[secret] = SECRET_SHOWN_AS;
    if (resource.type === "command:remote:CopyToRemote") {
      const asset = inputs.source as { text?: string | Promise<string> } | undefined;
      const source = { text: await asset?.text };
      const remotePath = String(inputs.remotePath ?? "");
      // Staged files sit under .../coop-staging/<what>/<content hash>/<path>.
      const relative = remotePath.replace(/^.*\/coop-staging\/[^/]+\/[0-9a-f]+\//, "");
      if (source?.text !== undefined) files.push({ component: resource.parent ?? resource.name, path: relative, content: source.text });
      inputs.source = source?.text !== undefined ? `(${source.text.length} characters, see --out)` : source;
    }
    if (resource.type === "hcloud:index/server:Server" && typeof inputs.userData === "string") {
      files.push({ component: resource.parent ?? resource.name, path: "user-data.yaml", content: inputs.userData });
    }
    delete inputs.connection;
    resources.push({ ...resource, inputs });
  }
  // The program logs every config warning itself; keep each message once.
  return { stack: options.stack, referencedStacks: Object.keys(referenced), project: PROJECT, resources, outputs, warnings: [...new Set([...file.warnings, ...warnings])], files };
}
