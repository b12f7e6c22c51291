/**
 * Reads a Pulumi stack file the way the Pulumi CLI would hand it to the program, without
 * the CLI and without the passphrase: encrypted values become redacted placeholders.
 */
import { readFileSync } from "node:fs";
import { isMap, isScalar, parseDocument } from "yaml";
import { closest } from "../../components/config/checks";
import { PROJECT } from "../../components/config/defaults";

export const SECRET_PLACEHOLDER_PREFIX = "[secret]";

/** Namespaces of the providers this program uses; their settings pass through untouched. */
const PROVIDER_NAMESPACES = ["hcloud", "cloudflare", "command", "random", "tls", "pulumi"];
/** Provider settings that are credentials: they belong in environment variables. */
const CREDENTIALS: Record<string, string> = { "hcloud:token": "HCLOUD_TOKEN", "cloudflare:apiToken": "CLOUDFLARE_API_TOKEN", "cloudflare:apiKey": "CLOUDFLARE_API_KEY" };

export interface StackFile {
  /** Pulumi config map: "coop-mastodon:hosts" → JSON or plain string. */
  config: Record<string, string>;
  /** Keys holding encrypted values (set with --secret). */
  secretKeys: string[];
  /** Problems that make the file unusable: nothing else is worth checking. */
  fatal: string[];
  /** Problems with how values are written (clear-text secrets, misplaced encryption). */
  problems: string[];
  /** Paths of encrypted values outside `secrets`, already reported in `problems`. */
  misplacedSecrets: string[];
  warnings: string[];
}

function empty(): StackFile {
  return { config: {}, secretKeys: [], fatal: [], problems: [], misplacedSecrets: [], warnings: [] };
}

export function readStackFile(path: string): StackFile {
  try {
    return parseStackFile(readFileSync(path, "utf8"), path);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as NodeJS.ErrnoException).code === "EISDIR" ? "is a directory" : (e as Error).message;
    return { ...empty(), fatal: [`${path}: cannot read the stack file (${reason})`] };
  }
}

export function parseStackFile(text: string, path: string): StackFile {
  const result = empty();
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    result.fatal.push(`${path}: is not valid YAML (${doc.errors[0].message.split("\n")[0]})`);
    return result;
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    result.fatal.push(`${path}: is empty; a stack file holds a config: mapping`);
    return result;
  }
  if (!isMap(doc.contents)) {
    result.fatal.push(`${path}: must be a mapping with a config: section`);
    return result;
  }
  const root = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  const config = root.config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    result.fatal.push(`${path}: config must be a mapping of keys to values`);
    return result;
  }
  const seen = new Map<string, string>();
  for (const [fullKey, value] of Object.entries(config as Record<string, unknown>)) {
    const [namespace, key] = fullKey.includes(":") ? [fullKey.slice(0, fullKey.indexOf(":")), fullKey.slice(fullKey.indexOf(":") + 1)] : [PROJECT, fullKey];
    const qualified = `${namespace}:${key}`;
    if (seen.has(qualified)) {
      result.problems.push(`${key || fullKey}: is set twice (as ${seen.get(qualified)} and as ${fullKey}); keep one`);
      continue;
    }
    seen.set(qualified, fullKey);
    if (namespace !== PROJECT) {
      if (!PROVIDER_NAMESPACES.includes(namespace)) {
        const hint = closest(namespace, [PROJECT, ...PROVIDER_NAMESPACES]);
        result.problems.push(`${fullKey}: unknown namespace "${namespace}"${hint ? ` (did you mean ${hint}?)` : ""}; settings of this program are written ${PROJECT}:<key>`);
        continue;
      }
      if (CREDENTIALS[qualified] && !isSecure(value)) {
        result.problems.push(`${fullKey}: is a credential in clear text; remove it and export ${CREDENTIALS[qualified]} instead`);
        continue;
      }
      result.config[fullKey] = typeof value === "string" ? value : JSON.stringify(isSecure(value) ? "[secret]" : value);
      continue;
    }
    if (key === "") {
      result.problems.push(`${fullKey}: has no key name after "${PROJECT}:"`);
      continue;
    }
    let redacted: unknown;
    if (key === "secrets") {
      redacted = redactSecrets(value, result);
      result.secretKeys.push(`${PROJECT}:${key}`);
    } else {
      redacted = redactMisplaced(finite(value), key, result);
    }
    result.config[`${PROJECT}:${key}`] = typeof redacted === "string" ? redacted : JSON.stringify(redacted);
  }
  return result;
}

function isSecure(value: unknown): value is { secure: string } {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    && Object.keys(value).length === 1 && typeof (value as Record<string, unknown>).secure === "string";
}

/** JSON has no Infinity or NaN: YAML's .inf and 1e400 would turn into null (unset). As
 * strings they reach validation, which says what is allowed. */
function finite(value: unknown): unknown {
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) return value.map(finite);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, finite(v)]));
  return value;
}

/** Only values under `secrets` may be encrypted: elsewhere they would be rendered into
 * files that are not secret. Reported once here; validation leaves their paths alone. */
function redactMisplaced(value: unknown, path: string, file: StackFile): unknown {
  if (isSecure(value)) {
    file.problems.push(`${path}: is encrypted, but only values under secrets are kept secret; write it in clear text, or leave it out`);
    file.misplacedSecrets.push(path);
    return `${SECRET_PLACEHOLDER_PREFIX} ${path}`;
  }
  if (Array.isArray(value)) return value.map((v, i) => redactMisplaced(v, `${path}[${i}]`, file));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactMisplaced(v, `${path}.${k}`, file)]));
  }
  return value;
}

/**
 * `secrets` as the program sees it during a plan: every encrypted value becomes a
 * placeholder naming its path. A value in clear text is an error and never echoed.
 */
function redactSecrets(value: unknown, file: StackFile): unknown {
  if (isSecure(value)) {
    file.warnings.push("secrets: is encrypted as a whole, so the plan cannot tell which secrets are set");
    return {};
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    file.problems.push("secrets: must map instance names to their secrets (set each with pulumi config set --secret --path 'secrets.<instance>.<NAME>')");
    return {};
  }
  const out: Record<string, unknown> = {};
  for (const [instance, values] of Object.entries(value)) {
    if (isSecure(values)) {
      file.warnings.push(`secrets.${instance}: is encrypted as a whole, so the plan cannot tell which of its secrets are set`);
      out[instance] = {};
      continue;
    }
    if (typeof values !== "object" || values === null || Array.isArray(values)) {
      file.problems.push(`secrets.${instance}: must map secret names to encrypted values (set each with pulumi config set --secret --path 'secrets.${instance}.<NAME>')`);
      continue;
    }
    const inner: Record<string, string> = {};
    for (const [name, v] of Object.entries(values)) {
      if (isSecure(v)) inner[name] = `${SECRET_PLACEHOLDER_PREFIX} secrets.${instance}.${name}`;
      else file.problems.push(`secrets.${instance}.${name}: is in clear text in the stack file; remove it and set it with pulumi config set --secret --path 'secrets.${instance}.${name}'`);
    }
    out[instance] = inner;
  }
  return out;
}
