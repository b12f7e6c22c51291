import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "./defaults";
import { ConfigError, validateStackConfig, ValidationResult } from "./validate";

/** Values Pulumi hands over are strings; objects and lists arrive as JSON. */
export function parseConfigValue(value: string): unknown {
  if (/^\s*[[{]/.test(value)) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

/** The project's keys from Pulumi's config map, without the "coop-mastodon:" prefix. */
export function projectConfig(all: Record<string, string>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(all)) {
    if (!key.startsWith(`${PROJECT}:`)) continue;
    raw[key.slice(PROJECT.length + 1)] = parseConfigValue(value);
  }
  return raw;
}

/**
 * Reads and validates this stack's config before anything is declared. Throws a
 * ConfigError listing every problem.
 */
export function loadStackConfig(): ValidationResult {
  const raw = projectConfig(pulumi.runtime.allConfig());
  // Not in the SDK's typings, but exported by it: tells whether a key was set with --secret.
  const isSecret = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
  if (raw.secrets !== undefined && isSecret && !isSecret(`${PROJECT}:secrets`)) {
    throw new ConfigError(["secrets: holds values in clear text; remove them from the stack file and set each with pulumi config set --secret --path 'secrets.<instance>.<NAME>'"]);
  }
  return validateStackConfig(raw);
}
