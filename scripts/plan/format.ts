/** The plan as a reviewer reads it: a tree of resources with the inputs that matter. */
import { DeclaredResource } from "./mocks";
import { Plan } from "./run";

/** Inputs worth a reviewer's eye, per resource type; everything is in --json. */
const KEY_INPUTS: Record<string, string[]> = {
  "hcloud:index/server:Server": ["name", "serverType", "image", "location", "backups", "deleteProtection", "rebuildProtection"],
  "hcloud:index/firewall:Firewall": ["name", "rules"],
  "hcloud:index/primaryIp:PrimaryIp": ["name", "type", "location", "autoDelete", "deleteProtection"],
  "hcloud:index/volume:Volume": ["name", "size", "location", "deleteProtection"],
  "cloudflare:index/dnsRecord:DnsRecord": ["name", "type", "content", "proxied", "ttl"],
  "command:remote:Command": ["create", "triggers", "stdin"],
  "command:remote:CopyToRemote": ["remotePath"],
  "pulumi:pulumi:StackReference": ["name"],
};

function showValue(type: string, key: string, value: unknown): string {
  if (type === "hcloud:index/firewall:Firewall" && key === "rules" && Array.isArray(value)) {
    return value.map((r: Record<string, unknown>) => `${r.direction} ${r.protocol}${r.port ? ` ${r.port}` : ""} from ${(r.sourceIps as string[]).join(" ")}`).join("; ");
  }
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const lines = text.split("\n");
  const first = lines[0].length > 160 ? `${lines[0].slice(0, 157)}...` : lines[0];
  return lines.length > 1 ? `${first} (+${lines.length - 1} more lines; --json shows all)` : first;
}

function flags(r: DeclaredResource): string {
  const f: string[] = [];
  if (r.options.protect) f.push("protect");
  if (r.options.retainOnDelete) f.push("retainOnDelete");
  if (r.options.deleteBeforeReplace) f.push("deleteBeforeReplace");
  if (r.options.ignoreChanges.length) f.push(`ignoreChanges: ${r.options.ignoreChanges.join(", ")}`);
  return f.length ? `  [${f.join("; ")}]` : "";
}

export function formatPlan(plan: Plan, source: string): string {
  const lines: string[] = [];
  lines.push(`Stack ${plan.stack} of ${plan.project}: ${plan.resources.length} resources declared (offline plan of ${source}; nothing was created)`);
  if (plan.referencedStacks.length) lines.push(`Stack references answered from the plans of: ${plan.referencedStacks.join(", ")}`);
  lines.push("");
  // Keyed by type and name: a host and an instance may both be called "drill".
  const id = (type: string, name: string) => `${type}::${name}`;
  const children = new Map<string | undefined, DeclaredResource[]>();
  const ids = new Set(plan.resources.map((r) => id(r.type, r.name)));
  for (const r of plan.resources) {
    const parent = r.parent && r.parentType && ids.has(id(r.parentType, r.parent)) ? id(r.parentType, r.parent) : undefined;
    children.set(parent, [...(children.get(parent) ?? []), r]);
  }
  const walk = (parent: string | undefined, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      const indent = "  ".repeat(depth);
      lines.push(`${indent}${r.type}  ${r.name}${flags(r)}`);
      for (const k of KEY_INPUTS[r.type] ?? []) {
        if (r.inputs[k] !== undefined) lines.push(`${indent}    ${k}: ${showValue(r.type, k, r.inputs[k])}`);
      }
      walk(id(r.type, r.name), depth + 1);
    }
  };
  walk(undefined, 0);
  lines.push("");
  lines.push("Outputs:");
  for (const [k, v] of Object.entries(plan.outputs)) lines.push(`  ${k}: ${JSON.stringify(v)}`);
  lines.push("");
  lines.push(plan.warnings.length ? `Warnings (${plan.warnings.length}):` : "Warnings: none");
  for (const w of plan.warnings) lines.push(`  - ${w}`);
  return lines.join("\n") + "\n";
}
