/**
 * The instance's environment, split in two files: `.env.production` holds settings that
 * are safe to show in a plan; `.env.secrets` (mode 0600) holds the rest and never
 * appears in plans, logs or outputs. Compose reads both, secrets first.
 */
import { InstanceConfig, InstanceSecrets, APP_SECRET_NAMES } from "../config/types";
import { databaseName } from "./layout";

export function renderEnvProduction(name: string, inst: InstanceConfig): string {
  const lines: [string, string | number | boolean][] = [
    ["LOCAL_DOMAIN", inst.domain],
    ["WEB_DOMAIN", inst.webDomain],
    ["RAILS_ENV", "production"],
    ["NODE_ENV", "production"],
    ["RAILS_LOG_LEVEL", "warn"],
    ["DB_HOST", "127.0.0.1"],
    ["DB_PORT", 5432],
    ["DB_NAME", databaseName(name)],
    ["DB_USER", databaseName(name)],
    ["REDIS_URL", `redis://127.0.0.1:6379/${inst.redisDb}`],
    ["BIND", "127.0.0.1"],
    // Federation off: only allow-listed servers, and the allow-list stays empty.
    ["LIMITED_FEDERATION_MODE", !inst.federation],
    ["AUTHORIZED_FETCH", !inst.federation],
    // A copy holds real users' posts: nothing is readable without logging in.
    ["DISALLOW_UNAUTHENTICATED_API_ACCESS", inst.mode === "restored"],
  ];
  if (inst.email && inst.smtp) {
    lines.push(
      ["SMTP_SERVER", inst.smtp.server],
      ["SMTP_PORT", inst.smtp.port],
      ["SMTP_LOGIN", inst.smtp.login],
      ["SMTP_FROM_ADDRESS", inst.smtp.fromAddress],
      ["SMTP_DELIVERY_METHOD", "smtp"],
    );
  } else {
    // "test" keeps mails in memory: nothing leaves the host.
    lines.push(["SMTP_DELIVERY_METHOD", "test"], ["SMTP_SERVER", ""]);
  }
  if (inst.flavor === "hometown") {
    // The update check would offer Hometown users Mastodon's releases.
    lines.push(["UPDATE_CHECK_URL", ""]);
    if (inst.maxTootChars !== undefined) lines.push(["MAX_TOOT_CHARS", inst.maxTootChars]);
  }
  const header = [
    `# Rendered by coop-mastodon for instance ${name} (${inst.flavor} ${inst.version}, mode ${inst.mode}).`,
    "# Do not edit on the host: the next deployment replaces this file. Secrets are in .env.secrets.",
  ];
  return [...header, ...lines.map(([k, v]) => `${k}=${typeof v === "boolean" ? String(v) : v}`)].join("\n") + "\n";
}

/** `.env.secrets` of a live or fresh instance; values must be single-line. */
export function renderEnvSecrets(secrets: InstanceSecrets): string {
  const lines = APP_SECRET_NAMES.filter((k) => secrets[k] !== undefined).map((k) => {
    const value = secrets[k]!;
    if (/[\n\r]/.test(value)) throw new Error(`secrets: ${k} must be a single line`);
    return `${k}=${value}`;
  });
  return lines.join("\n") + "\n";
}
