/**
 * Every default in one place. Pulumi.yaml documents the same values for readers of
 * the stack files; test/config-defaults.test.ts keeps the two in step.
 */
import { BackupConfig, HostRole, InstanceMode, Registrations } from "./types";

export const PROJECT = "coop-mastodon";

export const ACCESS_DEFAULTS = {
  deployUser: "deploy",
  hetznerSshKey: "",
};

export const HOST_DEFAULTS = {
  serverType: "cx33",
  location: "nbg1",
  image: "debian-13" as const,
  volumeGb: 0,
  hetznerBackups: false,
};

/** Hosts that must survive any stack update. */
export function longLivedByDefault(role: HostRole): boolean {
  return role === "primary" || role === "secondary";
}

export const DNS_DEFAULTS = {
  zoneId: "",
  proxied: false,
  ttl: 300,
  records: {} as Record<string, string>,
};

export const INSTANCE_DEFAULTS = {
  mode: "live" as InstanceMode,
  registrations: "approved" as Registrations,
  drill: false,
  portBase: 3000,
  redisDb: 0,
};

/** A copy of another instance never federates and never sends e-mail. */
export function federationByDefault(mode: InstanceMode): boolean {
  return mode !== "restored";
}

export const BACKUP_DEFAULTS: Omit<BackupConfig, "repository"> = {
  schedule: "hourly",
  checkSchedule: "weekly",
  checkSubset: "5%",
  retention: { hourly: 24, daily: 14, weekly: 8, monthly: 12 },
  pgJobs: 2,
  alertUrl: "",
};

export const SMTP_DEFAULTS = {
  port: 587,
};
