/**
 * Small validators, one per kind of value. Each returns undefined when the value is
 * fine, or the part of an error message that follows the key path and the value.
 * They know nothing about where a value sits in the stack file.
 */
import { isIPv4, isIPv6 } from "node:net";

const RELEASE_TAG = /^v(\d{1,4})\.(\d{1,4})\.(\d{1,4})$/;
const HOMETOWN_TAG = /^v(\d{1,4})\.(\d{1,4})\.(\d{1,4})\+hometown-(\d{1,4})\.(\d{1,4})\.(\d{1,4})$/;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const LOCATIONS = ["fsn1", "nbg1", "hel1", "ash", "hil", "sin"] as const;

/** Server types on sale (shared x86, shared AMD, dedicated, Arm). */
export const SERVER_TYPES = [
  "cx23", "cx33", "cx43", "cx53",
  "cpx12", "cpx22", "cpx32", "cpx42", "cpx52", "cpx62",
  "ccx13", "ccx23", "ccx33", "ccx43", "ccx53", "ccx63",
  "cax11", "cax21", "cax31", "cax41",
] as const;

/** Types Hetzner deprecated in October 2025, with the type that replaced each. */
export const DEPRECATED_SERVER_TYPES: Record<string, string> = {
  cx22: "cx23",
  cx32: "cx33",
  cx42: "cx43",
  cx52: "cx53",
  cpx11: "cpx12",
  cpx21: "cpx22",
  cpx31: "cpx32",
  cpx41: "cpx42",
  cpx51: "cpx52",
};

export function checkMastodonTag(tag: string): string | undefined {
  if (RELEASE_TAG.test(tag)) return undefined;
  if (HOMETOWN_TAG.test(tag)) return "is a Hometown tag but flavor is mastodon (set flavor: hometown, or use a tag like v4.5.9)";
  return "is not a release tag (expected vMAJOR.MINOR.PATCH)";
}

export function checkHometownTag(tag: string): string | undefined {
  if (HOMETOWN_TAG.test(tag)) return undefined;
  if (RELEASE_TAG.test(tag)) return "is a Mastodon tag but flavor is hometown (expected vMAJOR.MINOR.PATCH+hometown-X.Y.Z)";
  return "is not a Hometown release tag (expected vMAJOR.MINOR.PATCH+hometown-X.Y.Z)";
}

/** A DNS name written in full, lower case, at least two labels, no trailing dot. */
export function checkDomain(name: string): string | undefined {
  if (name.length > 253) return "is longer than 253 characters";
  const labels = name.split(".");
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) {
    return "is not a domain name written in full (lower case, e.g. social.coop)";
  }
  if (/^\d+$/.test(labels[labels.length - 1])) return "is an IP address, not a domain name";
  return undefined;
}

/** A resource-friendly name: used in Hetzner names, paths and systemd units. */
export function checkName(name: string): string | undefined {
  return /^[a-z][a-z0-9-]{0,30}$/.test(name)
    ? undefined
    : "is not a valid name (lower-case letters, digits and '-', starting with a letter, at most 31 characters)";
}

export function checkCidr(cidr: string): string | undefined {
  const [addr, bits, ...rest] = cidr.split("/");
  const v6 = isIPv6(addr);
  if (bits === undefined || rest.length > 0 || !/^\d{1,3}$/.test(bits) || !(v6 || isIPv4(addr)) || Number(bits) > (v6 ? 128 : 32)) {
    return "is not a network in CIDR notation (e.g. 203.0.113.7/32 or 2001:db8::/48)";
  }
  if (Number(bits) === 0) return "opens SSH to the whole internet; list the admins' networks instead";
  return undefined;
}

export function checkSshPublicKey(key: string): string | undefined {
  const parts = key.trim().split(/\s+/);
  const types = ["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com"];
  if (parts.length < 2 || !types.includes(parts[0]) || !/^[A-Za-z0-9+/]+={0,2}$/.test(parts[1])) {
    return "is not an SSH public key (expected e.g. \"ssh-ed25519 AAAA… name\")";
  }
  if (/PRIVATE KEY/.test(key)) return "is a private key; give the public key only";
  return undefined;
}

export function checkServerType(type: string): string | undefined {
  const replacement = DEPRECATED_SERVER_TYPES[type];
  if (replacement) return `was deprecated by Hetzner in October 2025 (use ${replacement})`;
  return (SERVER_TYPES as readonly string[]).includes(type)
    ? undefined
    : `is not a Hetzner server type (allowed: ${SERVER_TYPES.join(", ")})`;
}

export function checkLocation(location: string): string | undefined {
  return (LOCATIONS as readonly string[]).includes(location)
    ? undefined
    : `is not a Hetzner location (allowed: ${LOCATIONS.join(", ")})`;
}

export function checkResticRepository(repo: string): string | undefined {
  if (/:\/\/[^/\s]*:[^@/\s]*@/.test(repo)) return "contains a password; put credentials in secrets, not in the repository address";
  if (/^s3:https?:\/\/[^/\s]+\/[^\s]+$/.test(repo)) return undefined;
  if (/^sftp:[^@\s]+@[^:\s]+:[^\s]+$/.test(repo)) return undefined;
  if (/^rest:https?:\/\/[^\s]+$/.test(repo)) return undefined;
  return "is not a restic repository (expected s3:https://host/bucket/path, sftp:user@host:path or rest:https://host/path)";
}

/** systemd OnCalendar: the shorthands and the "DOW YYYY-MM-DD HH:MM:SS" form, roughly. */
export function checkCalendar(spec: string): string | undefined {
  const shorthands = ["minutely", "hourly", "daily", "weekly", "monthly", "yearly", "quarterly", "semiannually"];
  if (shorthands.includes(spec)) return undefined;
  if (/^[A-Za-z,.]*\s*(\*|[\d*,./-]+-[\d*,./-]+-[\d*,./-]+)?\s*[\d*,/.:]+(:[\d*,/.]+){1,2}(\s+UTC)?$/.test(spec.trim())) return undefined;
  return "is not a systemd calendar expression (e.g. hourly, daily, \"*-*-* 03:15:00\", \"*-*-* *:05:00\")";
}

export function checkCheckSubset(subset: string): string | undefined {
  const pct = /^(\d+(\.\d+)?)%$/.exec(subset);
  if (pct && Number(pct[1]) > 0 && Number(pct[1]) <= 100) return undefined;
  const frac = /^(\d+)\/(\d+)$/.exec(subset);
  if (frac && Number(frac[1]) >= 1 && Number(frac[1]) <= Number(frac[2])) return undefined;
  return "is not a slice of the data (expected a percentage like 5% or a fraction like 1/20)";
}

export function checkHttpsUrl(url: string): string | undefined {
  return /^https:\/\/[^\s/]+(\/\S*)?$/.test(url) ? undefined : "is not an https:// URL";
}

export function checkEmail(address: string): string | undefined {
  return /^[A-Za-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/.test(address) ? undefined : "is not an e-mail address (e.g. tech@social.coop)";
}

/** Fully qualified stack name: organization/project/stack. */
export function checkStackName(name: string): string | undefined {
  return /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(name)
    ? undefined
    : "is not a fully qualified stack name (expected organization/project/stack, e.g. organization/coop-mastodon/prod)";
}

/** Closest of `candidates` to `word`, for "did you mean" hints on typos. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const extended = candidates.find((c) => word.length >= 4 && c.toLowerCase().startsWith(word.toLowerCase()));
  if (extended) return extended;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}
