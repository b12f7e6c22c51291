/**
 * Reads a Pulumi stack file the way the Pulumi CLI would hand it to the program, without
 * the CLI and without the passphrase: encrypted values become redacted placeholders.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { PROJECT } from "../../components/config/defaults";

export const SECRET_PLACEHOLDER_PREFIX = "[secret]";

export interface StackFile {
  /** Pulumi config map: "coop-mastodon:hosts" → JSON or plain string. */
  config: Record<string, string>;
  /** Keys holding encrypted values (set with --secret). */
  secretKeys: string[];
  /** Dotted paths of the encrypted values, e.g. secrets.main.SECRET_KEY_BASE. */
  secretPaths: string[];
  /** Problems found in the file itself (clear-text secrets, wrong shape). */
  problems: string[];
}

export function readStackFile(path: string): StackFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return { config: {}, secretKeys: [], secretPaths: [], problems: [`${path}: cannot read the stack file`] };
  }
  return parseStackFile(text, path);
}

export function parseStackFile(text: string, path: string): StackFile {
  const result: StackFile = { config: {}, secretKeys: [], secretPaths: [], problems: [] };
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    result.problems.push(`${path}: is not valid YAML (${(e as Error).message.split("\n")[0]})`);
    return result;
  }
  if (doc === null || doc === undefined) return result;
  if (typeof doc !== "object" || Array.isArray(doc)) {
    result.problems.push(`${path}: must be a mapping with a config: section`);
    return result;
  }
  const config = (doc as Record<string, unknown>).config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    result.problems.push(`${path}: config must be a mapping of keys to values`);
    return result;
  }
  for (const [fullKey, value] of Object.entries(config as Record<string, unknown>)) {
    const [namespace, key] = fullKey.includes(":") ? fullKey.split(/:(.*)/s) : [PROJECT, fullKey];
    if (namespace !== PROJECT) {
      // Provider settings (hcloud:..., cloudflare:...) are passed on untouched.
      result.config[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
      continue;
    }
    const paths: string[] = [];
    const redacted = redact(value, key, paths);
    if (paths.length > 0) {
      result.secretKeys.push(`${PROJECT}:${key}`);
      result.secretPaths.push(...paths);
    }
    if (key === "secrets") checkSecretsEncrypted(value, result.problems);
    result.config[`${PROJECT}:${key}`] = typeof redacted === "string" ? redacted : JSON.stringify(redacted);
  }
  return result;
}

function isSecure(value: unknown): value is { secure: string } {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    && Object.keys(value).length === 1 && typeof (value as Record<string, unknown>).secure === "string";
}

function redact(value: unknown, path: string, secretPaths: string[]): unknown {
  if (isSecure(value)) {
    secretPaths.push(path);
    return `${SECRET_PLACEHOLDER_PREFIX} ${path}`;
  }
  if (Array.isArray(value)) return value.map((v, i) => redact(v, `${path}[${i}]`, secretPaths));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, `${path}.${k}`, secretPaths)]));
  }
  return value;
}

/** Every value under `secrets` must be encrypted: a clear-text one is an error. */
function checkSecretsEncrypted(value: unknown, problems: string[]): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return;
  for (const [instance, values] of Object.entries(value)) {
    if (typeof values !== "object" || values === null || Array.isArray(values)) continue;
    for (const [name, v] of Object.entries(values)) {
      if (!isSecure(v)) {
        problems.push(`secrets.${instance}.${name}: is in clear text in the stack file; remove it and set it with pulumi config set --secret --path 'secrets.${instance}.${name}'`);
      }
    }
  }
}
