/**
 * Turns the raw config of a stack into a `StackConfig`, checking everything before any
 * resource is declared. All problems are reported together.
 */
import { OS_FACTS, SUPPORTED_IMAGES } from "../host/os";
import { KNOWN_SERIES, parseRelease, seriesFacts, seriesOf } from "../instance/releases";
import * as checks from "./checks";
import * as defaults from "./defaults";
import { Problems, Section, show } from "./reader";
import {
  AccessConfig,
  AdminUser,
  BackupConfig,
  DnsConfig,
  Flavor,
  HostConfig,
  HostRef,
  InstanceConfig,
  SECRET_NAMES,
  SecretName,
  SmtpConfig,
  StackConfig,
  Warning,
} from "./types";

export const TOP_LEVEL_KEYS = ["access", "hosts", "dns", "instances", "stackReferences", "secrets"] as const;
export const ACCESS_KEYS = ["admins", "sshAllowedFrom", "deployUser", "adminEmail", "hetznerSshKey"] as const;
export const ADMIN_KEYS = ["name", "sshPublicKey"] as const;
export const HOST_KEYS = ["role", "serverType", "location", "image", "volumeGb", "hetznerBackups", "longLived"] as const;
export const DNS_KEYS = ["zone", "zoneId", "proxied", "ttl", "records"] as const;
export const INSTANCE_KEYS = [
  "flavor", "version", "host", "domain", "webDomain", "mode", "federation", "email",
  "registrations", "restoreFrom", "drill", "backup", "smtp", "portBase", "redisDb", "maxTootChars",
] as const;
export const BACKUP_KEYS = ["repository", "schedule", "checkSchedule", "checkSubset", "retention", "pgJobs", "alertUrl"] as const;
export const RETENTION_KEYS = ["hourly", "daily", "weekly", "monthly"] as const;
export const SMTP_KEYS = ["server", "port", "login", "fromAddress"] as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export interface ValidationResult {
  config: StackConfig;
  warnings: Warning[];
}

/**
 * @param raw top-level keys of the project's namespace (without the "coop-mastodon:"
 *   prefix), values already parsed from YAML/JSON.
 * @param today ISO date used for support-window warnings; a parameter so tests are stable.
 */
export function validateStackConfig(raw: Record<string, unknown>, today: string = new Date().toISOString().slice(0, 10)): ValidationResult {
  const problems = new Problems();
  const warnings: Warning[] = [];
  const root = new Section("", raw, problems);
  root.allowOnly(TOP_LEVEL_KEYS);

  const access = readAccess(root.section("access", true), problems);
  warnings.push(...placeholderWarnings(access));
  const stackReferences = readStackReferences(root.section("stackReferences", false));
  const hosts = readHosts(root);
  const instances = readInstances(root, hosts, stackReferences, today, warnings);
  const dns = readDns(root, hosts, instances, warnings);
  const secretsSet = readSecretNames(root.section("secrets", false), instances, declaredNames(root, "instances"));

  if (problems.errors.length > 0) throw new ConfigError(problems.errors);

  const config: StackConfig = { access, hosts, dns, instances, stackReferences, secretsSet };
  warnings.push(...secretWarnings(config));
  return { config, warnings };
}

function readAccess(section: Section | undefined, problems: Problems): AccessConfig {
  if (!section) return { admins: [], sshAllowedFrom: [], deployUser: defaults.ACCESS_DEFAULTS.deployUser, adminEmail: "", hetznerSshKey: "" };
  section.allowOnly(ACCESS_KEYS);
  const admins: AdminUser[] = [];
  const adminItems = section.list("admins", true);
  if (Array.isArray(section.raw.admins) && adminItems.length === 0) problems.add(section.at("admins"), "must list at least one admin");
  for (const item of adminItems) {
    const admin = Section.of(item.value, item.path, problems);
    if (!admin) continue;
    admin.allowOnly(ADMIN_KEYS);
    const name = admin.string("name", undefined, checks.checkName);
    if (name === "root" || name === "deploy") problems.bad(admin.at("name"), name, "is reserved (choose the admin's own name)");
    if (admins.some((a) => a.name === name)) problems.bad(admin.at("name"), name, "is listed twice");
    admins.push({ name, sshPublicKey: admin.string("sshPublicKey", undefined, checks.checkSshPublicKey) });
  }
  const sshAllowedFrom: string[] = [];
  const cidrs = section.list("sshAllowedFrom", true);
  if (Array.isArray(section.raw.sshAllowedFrom) && cidrs.length === 0) problems.add(section.at("sshAllowedFrom"), "must list at least one network, or nobody can administer the hosts");
  for (const item of cidrs) {
    if (typeof item.value !== "string") {
      problems.bad(item.path, item.value, "must be a network in CIDR notation");
      continue;
    }
    const message = checks.checkCidr(item.value);
    if (message) problems.bad(item.path, item.value, message);
    sshAllowedFrom.push(item.value);
  }
  const deployUser = section.string("deployUser", defaults.ACCESS_DEFAULTS.deployUser, checks.checkName);
  if (deployUser === "root") problems.bad(section.at("deployUser"), deployUser, "is not allowed: root cannot log in over SSH (choose e.g. deploy)");
  if (admins.some((a) => a.name === deployUser)) problems.bad(section.at("deployUser"), deployUser, "is also an admin's name; the deploy user must be a user of its own");
  return {
    admins,
    sshAllowedFrom,
    deployUser,
    adminEmail: section.string("adminEmail", undefined, checks.checkEmail),
    hetznerSshKey: section.string("hetznerSshKey", defaults.ACCESS_DEFAULTS.hetznerSshKey),
  };
}

/** Documentation address ranges (RFC 5737, RFC 3849): fine in examples, useless for SSH. */
const DOCUMENTATION_NETWORKS = [/^192\.0\.2\./, /^198\.51\.100\./, /^203\.0\.113\./, /^2001:db8:/i];

function placeholderWarnings(access: AccessConfig): Warning[] {
  const warnings: Warning[] = [];
  access.admins.forEach((admin, i) => {
    if (/REPLACE-ME/.test(admin.sshPublicKey)) {
      warnings.push({ path: `access.admins[${i}].sshPublicKey`, message: `is a placeholder; put ${admin.name}'s own public key here before the first pulumi up` });
    }
  });
  access.sshAllowedFrom.forEach((cidr, i) => {
    if (DOCUMENTATION_NETWORKS.some((re) => re.test(cidr))) {
      warnings.push({ path: `access.sshAllowedFrom[${i}]`, message: `${cidr} is a documentation range; nobody could reach SSH from it` });
    }
  });
  return warnings;
}

function readStackReferences(section: Section | undefined): Record<string, string> {
  const refs: Record<string, string> = {};
  if (!section) return refs;
  for (const alias of Object.keys(section.raw)) {
    const nameProblem = checks.checkName(alias);
    if (nameProblem) {
      section.problems.bad(section.at(alias), alias, nameProblem);
      continue;
    }
    refs[alias] = section.string(alias, undefined, checks.checkStackName);
  }
  return refs;
}

/** Names declared under a map key, valid or not: a reference to a name that is declared
 * but broken is not reported a second time. */
function declaredNames(root: Section, key: string): Set<string> {
  const raw = root.raw[key];
  return new Set(raw && typeof raw === "object" && !Array.isArray(raw) ? Object.keys(raw) : []);
}

function readHosts(root: Section): Record<string, HostConfig> {
  const hosts: Record<string, HostConfig> = {};
  for (const { name, section } of root.entries("hosts", false, checks.checkName)) {
    section.allowOnly(HOST_KEYS);
    const role = section.oneOf("role", ["primary", "secondary", "trial", "drill"] as const);
    const production = role === "primary" || role === "secondary";
    const longLived = section.boolean("longLived", role ? defaults.longLivedByDefault(role) : false);
    if (production && !longLived) {
      section.problems.bad(section.at("longLived"), false, `is not allowed for a ${role} host (production hosts are always protected)`);
    }
    const host = {
      serverType: section.string("serverType", defaults.HOST_DEFAULTS.serverType, checks.checkServerType),
      location: section.string("location", defaults.HOST_DEFAULTS.location, checks.checkLocation),
      image: section.oneOf("image", SUPPORTED_IMAGES, defaults.HOST_DEFAULTS.image),
      volumeGb: section.integer("volumeGb", defaults.HOST_DEFAULTS.volumeGb, 0, 10240),
      hetznerBackups: section.boolean("hetznerBackups", defaults.HOST_DEFAULTS.hetznerBackups),
      longLived: production ? true : longLived,
    };
    if (host.volumeGb > 0 && host.volumeGb < 10) {
      section.problems.bad(section.at("volumeGb"), host.volumeGb, "is below Hetzner's smallest volume (10 GB), use 0 for no volume");
    }
    if (role && host.image) hosts[name] = { ...host, role, image: host.image };
  }
  const primaries = Object.entries(hosts).filter(([, h]) => h.role === "primary");
  if (primaries.length > 1) root.problems.add("hosts", `declares ${primaries.length} primary hosts (${primaries.map(([n]) => n).join(", ")}); at most one is allowed`);
  return hosts;
}

/** "primary" (this stack) or "production.secondary" (a stack reference); undefined if malformed. */
export function parseHostRef(value: string): HostRef | undefined {
  const parts = value.split(".");
  if (parts.some((p) => p === "") || parts.length > 2) return undefined;
  return parts.length === 1 ? { host: parts[0] } : { stackAlias: parts[0], host: parts[1] };
}

function readInstances(
  root: Section,
  hosts: Record<string, HostConfig>,
  stackReferences: Record<string, string>,
  today: string,
  warnings: Warning[],
): Record<string, InstanceConfig> {
  const instances: Record<string, InstanceConfig> = {};
  const hostNames = declaredNames(root, "hosts");
  for (const { name, section } of root.entries("instances", false, checks.checkName)) {
    section.allowOnly(INSTANCE_KEYS);
    const flavor = section.oneOf<Flavor>("flavor", ["mastodon", "hometown"]);
    // With an unknown flavor, any well-formed tag passes here: the flavor is reported once.
    const tagCheck = flavor === "hometown" ? checks.checkHometownTag
      : flavor === "mastodon" ? checks.checkMastodonTag
        : (v: string) => (checks.checkMastodonTag(v) && checks.checkHometownTag(v) ? checks.checkMastodonTag(v) : undefined);
    const version = section.string("version", undefined, tagCheck);
    const mode = section.oneOf("mode", ["live", "restored", "fresh"] as const, defaults.INSTANCE_DEFAULTS.mode);
    const domain = section.string("domain", undefined, checks.checkDomain);
    const webDomain = section.string("webDomain", domain, checks.checkDomain);
    const hostText = section.string("host");
    const host = hostText ? parseHostRef(hostText) : undefined;
    if (hostText && !host) {
      section.problems.bad(section.at("host"), hostText, "is not a host name (write <host>, or <stackReferences alias>.<host> for a host of another stack)");
    } else if (host && host.stackAlias === undefined && !Object.hasOwn(hosts, host.host) && !hostNames.has(host.host)) {
      section.problems.bad(section.at("host"), hostText, `is not a host of this stack (hosts: ${Object.keys(hosts).join(", ") || "none"}; a host of another stack is written <stackReferences alias>.<host>)`);
    } else if (host?.stackAlias !== undefined && !Object.hasOwn(stackReferences, host.stackAlias)) {
      section.problems.bad(section.at("host"), hostText, `names stack reference "${host.stackAlias}", which stackReferences does not declare`);
    }

    const federationDefault = mode ? defaults.federationByDefault(mode) : true;
    const federation = section.boolean("federation", federationDefault);
    const email = section.boolean("email", federationDefault);
    const registrations = section.oneOf("registrations", ["open", "approved", "closed"] as const, mode === "restored" ? "closed" : defaults.INSTANCE_DEFAULTS.registrations);
    const drill = section.boolean("drill", defaults.INSTANCE_DEFAULTS.drill);

    let restoreFrom: InstanceConfig["restoreFrom"];
    const restoreText = section.has("restoreFrom") ? section.string("restoreFrom") : undefined;
    if (mode === "restored") {
      if (!restoreText) section.problems.add(section.at("restoreFrom"), "is required when mode is restored (write <stackReferences alias>.<instance>, e.g. production.main)");
      if (federation) section.problems.bad(section.at("federation"), true, "is not allowed for a restored copy: it holds the source's keys and must never deliver to other servers");
      if (email) section.problems.bad(section.at("email"), true, "is not allowed for a restored copy: it holds real users' addresses and must never send e-mail");
      if (registrations && registrations !== "closed") section.problems.bad(section.at("registrations"), registrations, "is not allowed for a restored copy (only closed)");
    } else if (mode) {
      if (restoreText) section.problems.bad(section.at("restoreFrom"), restoreText, `is only allowed when mode is restored (mode is ${mode})`);
      if (drill) section.problems.bad(section.at("drill"), true, `is only allowed when mode is restored (mode is ${mode})`);
    }
    if (restoreText) {
      const ref = parseHostRef(restoreText);
      if (!ref || ref.stackAlias === undefined) {
        section.problems.bad(section.at("restoreFrom"), restoreText, "must be written <stackReferences alias>.<instance>, e.g. production.main");
      } else if (!Object.hasOwn(stackReferences, ref.stackAlias)) {
        section.problems.bad(section.at("restoreFrom"), restoreText, `names stack reference "${ref.stackAlias}", which stackReferences does not declare`);
      } else {
        restoreFrom = { stackAlias: ref.stackAlias, instance: ref.host };
      }
    }

    const release = version ? parseRelease(version) : undefined;
    if (release && host) checkRelease(section, release, version, host, hosts, today, warnings);

    const portBase = section.integer("portBase", defaults.INSTANCE_DEFAULTS.portBase, 1024, 65000);
    const redisDb = section.integer("redisDb", defaults.INSTANCE_DEFAULTS.redisDb, 0, 15);
    let maxTootChars: number | undefined;
    if (section.has("maxTootChars")) {
      if (flavor === "mastodon") section.problems.add(section.at("maxTootChars"), "is a Hometown setting; remove it or set flavor: hometown");
      maxTootChars = section.integer("maxTootChars", undefined, 500, 100000);
    }

    const backup = readBackup(section.section("backup", false));
    if (backup && mode === "restored" && !drill) {
      warnings.push({ path: section.at("backup"), message: "a restored copy is backed up too; remove the backup block unless the copy holds data of its own" });
    }
    const smtp = readSmtp(section.section("smtp", false));
    if (email && !smtp && mode !== "restored") section.problems.add(section.at("smtp"), "is required when email is true (server, login, fromAddress), or set email: false");
    if (!email && smtp) warnings.push({ path: section.at("smtp"), message: "is ignored because email is false" });

    if (flavor && mode && registrations && host) {
      instances[name] = {
        flavor, version, host, domain, webDomain, mode, federation, email, registrations,
        restoreFrom, drill, backup, smtp, portBase, redisDb, maxTootChars,
      };
    }
  }
  checkSharedHosts(root, instances);
  return instances;
}

function checkRelease(
  section: Section,
  release: NonNullable<ReturnType<typeof parseRelease>>,
  version: string,
  host: HostRef,
  hosts: Record<string, HostConfig>,
  today: string,
  warnings: Warning[],
): void {
  const facts = seriesFacts(release);
  if (!facts) {
    section.problems.bad(section.at("version"), version, `is in series ${seriesOf(release)}, which this program cannot deploy (known series: ${KNOWN_SERIES.join(", ")})`);
    return;
  }
  if (facts.supportEnds && facts.supportEnds < today) {
    warnings.push({ path: section.at("version"), message: `series ${seriesOf(release)} has had no security fixes since ${facts.supportEnds}; plan an upgrade` });
  } else if (facts.supportEnds) {
    warnings.push({ path: section.at("version"), message: `series ${seriesOf(release)} gets security fixes until ${facts.supportEnds}` });
  }
  const hostConfig = host.stackAlias === undefined && Object.hasOwn(hosts, host.host) ? hosts[host.host] : undefined;
  if (hostConfig) {
    const os = OS_FACTS[hostConfig.image];
    if (os.postgresMajor < facts.minPostgres || os.redisVersion < facts.minRedis) {
      section.problems.bad(
        section.at("version"),
        version,
        `needs PostgreSQL ≥ ${facts.minPostgres} and Redis ≥ ${facts.minRedis}, but host ${host.host} (${hostConfig.image}) has PostgreSQL ${os.postgresMajor} and Redis ${os.redisVersion}`,
      );
    }
  }
}

/** Instances on one host share its PostgreSQL, Redis and loopback ports. */
function checkSharedHosts(root: Section, instances: Record<string, InstanceConfig>): void {
  const seen = new Map<string, string>();
  for (const [name, inst] of Object.entries(instances)) {
    const hostKey = `${inst.host.stackAlias ?? ""}.${inst.host.host}`;
    for (const [what, value] of [
      ["portBase", inst.portBase], ["portBase", inst.portBase + 1], ["portBase", inst.portBase - 1], ["redisDb", inst.redisDb],
    ] as const) {
      const key = `${hostKey}|${what}|${value}`;
      const other = seen.get(key);
      if (other && other !== name) {
        root.problems.add(`instances.${name}.${what}`, `${show(what === "portBase" ? inst.portBase : value)} collides with instance ${other} on the same host (each instance needs its own ${what === "portBase" ? "pair of ports" : "Redis database"})`);
        break;
      }
      if (value === inst.portBase || what === "redisDb") seen.set(key, name);
    }
  }
  const domains = new Map<string, string>();
  for (const [name, inst] of Object.entries(instances)) {
    const other = domains.get(inst.webDomain);
    if (other) root.problems.bad(`instances.${name}.webDomain`, inst.webDomain, `is already served by instance ${other}`);
    domains.set(inst.webDomain, name);
  }
}

function readBackup(section: Section | undefined): BackupConfig | undefined {
  if (!section) return undefined;
  section.allowOnly(BACKUP_KEYS);
  const d = defaults.BACKUP_DEFAULTS;
  const retentionSection = section.section("retention", false);
  retentionSection?.allowOnly(RETENTION_KEYS);
  const retention = {
    hourly: retentionSection?.integer("hourly", d.retention.hourly, 0, 1000) ?? d.retention.hourly,
    daily: retentionSection?.integer("daily", d.retention.daily, 0, 1000) ?? d.retention.daily,
    weekly: retentionSection?.integer("weekly", d.retention.weekly, 0, 1000) ?? d.retention.weekly,
    monthly: retentionSection?.integer("monthly", d.retention.monthly, 0, 1000) ?? d.retention.monthly,
  };
  if (retentionSection && retention.hourly + retention.daily + retention.weekly + retention.monthly === 0) {
    section.problems.add(section.at("retention"), "keeps no snapshot at all; keep at least one (e.g. daily: 7)");
  }
  const alertUrl = section.string("alertUrl", d.alertUrl);
  if (alertUrl) {
    const message = checks.checkHttpsUrl(alertUrl);
    if (message) section.problems.bad(section.at("alertUrl"), alertUrl, message);
  }
  return {
    repository: section.string("repository", undefined, checks.checkResticRepository),
    schedule: section.string("schedule", d.schedule, checks.checkCalendar),
    checkSchedule: section.string("checkSchedule", d.checkSchedule, checks.checkCalendar),
    checkSubset: section.string("checkSubset", d.checkSubset, checks.checkCheckSubset),
    retention,
    pgJobs: section.integer("pgJobs", d.pgJobs, 1, 32),
    alertUrl,
  };
}

function readSmtp(section: Section | undefined): SmtpConfig | undefined {
  if (!section) return undefined;
  section.allowOnly(SMTP_KEYS);
  return {
    server: section.string("server", undefined, checks.checkDomain),
    port: section.integer("port", defaults.SMTP_DEFAULTS.port, 1, 65535),
    login: section.string("login", undefined, (v) => (/^\S+$/.test(v) ? undefined : "is not a login name (one word, e.g. notifications@social.coop)")),
    fromAddress: section.string("fromAddress", undefined, checks.checkEmail),
  };
}

function readDns(
  root: Section,
  hosts: Record<string, HostConfig>,
  instances: Record<string, InstanceConfig>,
  warnings: Warning[],
): DnsConfig | undefined {
  const section = root.section("dns", false);
  if (!section) return undefined;
  section.allowOnly(DNS_KEYS);
  const zone = section.string("zone", undefined, checks.checkDomain);
  const zoneId = section.string("zoneId", defaults.DNS_DEFAULTS.zoneId, (v) =>
    v === "" || /^[0-9a-f]{32}$/.test(v) ? undefined : "is not a Cloudflare zone id (32 lower-case hexadecimal characters); leave it out to look the zone up by name");
  const proxied = section.boolean("proxied", defaults.DNS_DEFAULTS.proxied);
  const ttl = section.integer("ttl", defaults.DNS_DEFAULTS.ttl, 1, 86400);
  if (proxied && section.has("ttl") && ttl !== 1) {
    section.problems.bad(section.at("ttl"), ttl, "must be 1 (automatic) when proxied is true; remove ttl or set proxied: false");
  }
  if (proxied) {
    warnings.push({ path: section.at("proxied"), message: "Cloudflare's free and pro plans cap request bodies at 100 MB, below Mastodon's 99 MiB video limit; large uploads will fail" });
  }
  const records: Record<string, string> = {};
  const recordSection = section.section("records", false);
  for (const [fqdn, target] of Object.entries(recordSection?.raw ?? {})) {
    const path = recordSection!.at(fqdn);
    const nameProblem = checks.checkDomain(fqdn);
    if (nameProblem) {
      section.problems.bad(path, fqdn, `${nameProblem}; write names in full, e.g. alpha.${zone || "social.coop"}`);
      continue;
    }
    // An invalid zone is reported once, not again for every record.
    if (zone && !checks.checkDomain(zone) && fqdn !== zone && !fqdn.endsWith(`.${zone}`)) {
      section.problems.bad(path, fqdn, `is outside the zone ${zone}`);
      continue;
    }
    if (typeof target === "string" && !Object.hasOwn(hosts, target) && declaredNames(root, "hosts").has(target)) continue;
    if (typeof target !== "string" || !Object.hasOwn(hosts, target)) {
      section.problems.bad(path, target, `is not a host of this stack (hosts: ${Object.keys(hosts).join(", ") || "none"})`);
      continue;
    }
    records[fqdn] = target;
  }
  for (const [name, inst] of Object.entries(instances)) {
    if (!zone || (inst.webDomain !== zone && !inst.webDomain.endsWith(`.${zone}`))) continue;
    if (inst.host.stackAlias !== undefined) continue;
    const declared = records[inst.webDomain];
    if (declared && declared !== inst.host.host) {
      section.problems.bad(recordSection!.at(inst.webDomain), declared, `points away from host ${inst.host.host}, where instance ${name} runs`);
    }
  }
  return { zone, zoneId, proxied, ttl: proxied ? 1 : ttl, records };
}

function readSecretNames(section: Section | undefined, instances: Record<string, InstanceConfig>, declaredInstances: Set<string>): Record<string, SecretName[]> {
  const result: Record<string, SecretName[]> = {};
  if (!section) return result;
  for (const [instance, raw] of Object.entries(section.raw)) {
    if (!Object.hasOwn(instances, instance)) {
      if (declaredInstances.has(instance)) continue;
      section.problems.bad(section.at(instance), instance, `is not an instance of this stack (instances: ${Object.keys(instances).join(", ") || "none"})`);
      continue;
    }
    const values = Section.of(raw, section.at(instance), section.problems);
    if (!values) continue;
    values.allowOnly(SECRET_NAMES);
    const names: SecretName[] = [];
    for (const key of Object.keys(values.raw)) {
      if ((SECRET_NAMES as readonly string[]).includes(key)) {
        // Never echo a secret's value in a message.
        const value = values.raw[key];
        if (typeof value !== "string" || value === "") values.problems.add(values.at(key), "must be a non-empty string (set it with pulumi config set --secret --path)");
        else names.push(key as SecretName);
      }
    }
    result[instance] = names;
  }
  return result;
}

/** Secrets a stack still needs before `pulumi up` can deploy it. */
export function missingSecrets(config: StackConfig, instance: string): SecretName[] {
  const inst = config.instances[instance];
  const have = config.secretsSet[instance] ?? [];
  const needed: SecretName[] = [];
  if (inst.mode === "live") {
    const release = parseRelease(inst.version);
    const facts = release && seriesFacts(release);
    needed.push("SECRET_KEY_BASE", "VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY", "DB_PASS");
    if (facts?.usesOtpSecret) needed.push("OTP_SECRET");
    if (facts?.needsRecordEncryptionKeys) {
      needed.push("ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY", "ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT", "ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY");
    }
  }
  if (inst.email) needed.push("SMTP_PASSWORD");
  if (inst.backup || inst.mode === "restored") {
    needed.push("RESTIC_PASSWORD");
    // For a copy, whether its source's repository needs keys is known only from the
    // stack reference: the Backup component reports those.
  }
  return needed.filter((n) => !have.includes(n));
}

function secretWarnings(config: StackConfig): Warning[] {
  return Object.keys(config.instances).flatMap((name) =>
    missingSecrets(config, name).map((secret) => ({
      path: `secrets.${name}.${secret}`,
      message: `is not set yet; set it with: pulumi config set --secret --path 'secrets.${name}.${secret}'`,
    })),
  );
}
