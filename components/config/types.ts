/**
 * The typed model of one stack, as read from its `Pulumi.<stack>.yaml` and validated by
 * `validateStackConfig`. Everything below index.ts works on this model only.
 * Defaults live in ./defaults.ts; the documentation of each key lives in Pulumi.yaml.
 */

export type HostRole = "primary" | "secondary" | "trial" | "drill";
export type Flavor = "mastodon" | "hometown";
/** live: the running instance, secrets imported; restored: a copy made from another
 * instance's backups; fresh: a new, empty instance whose secrets are generated once. */
export type InstanceMode = "live" | "restored" | "fresh";
export type Registrations = "open" | "approved" | "closed";
export type SupportedImage = "debian-12" | "debian-13";

export interface AdminUser {
  name: string;
  sshPublicKey: string;
}

export interface AccessConfig {
  /** People who may log in to every host; each becomes a sudo user. */
  admins: AdminUser[];
  /** Networks SSH is open to (CIDR). Everything else reaches only 80/443 and ICMP. */
  sshAllowedFrom: string[];
  /** The user Pulumi connects as to ship files and run deployments. */
  deployUser: string;
  /** Contact address for TLS certificates and alerts. */
  adminEmail: string;
  /** Name of an SSH key already in the Hetzner project, given to new servers so that
   * Hetzner does not e-mail a root password. Admins' own keys arrive via user data. */
  hetznerSshKey: string;
}

export interface HostConfig {
  role: HostRole;
  serverType: string;
  location: string;
  image: SupportedImage;
  /** Size of the data volume in GB, mounted at /srv; 0 means no volume. */
  volumeGb: number;
  /** Hetzner's own daily server backups (+20 % of the server price). */
  hetznerBackups: boolean;
  /** Protected from deletion and replacement. Defaults to true for primary and secondary. */
  longLived: boolean;
}

export interface DnsConfig {
  zone: string;
  /** Cloudflare zone id; when empty it is looked up by zone name. */
  zoneId: string;
  proxied: boolean;
  ttl: number;
  /** Further names (written in full) → host name, e.g. "alpha.social.coop": "secondary". */
  records: Record<string, string>;
}

export interface RetentionConfig {
  hourly: number;
  daily: number;
  weekly: number;
  monthly: number;
}

export interface BackupConfig {
  /** restic repository: s3:…, sftp:… or rest:… */
  repository: string;
  /** systemd OnCalendar expression for backups. */
  schedule: string;
  /** systemd OnCalendar expression for `restic check --read-data-subset`. */
  checkSchedule: string;
  /** Slice of the data read by each check, e.g. "5%" or "1/20". */
  checkSubset: string;
  retention: RetentionConfig;
  /** Parallel pg_dump / pg_restore jobs. */
  pgJobs: number;
  /** Pinged on success, and with /fail appended on failure; empty for none. */
  alertUrl: string;
}

/** Where a restored copy comes from: `<stack reference alias>.<instance>`. */
export interface RestoreSource {
  stackAlias: string;
  instance: string;
}

/** A host in this stack, or a host of a referenced stack (`<alias>.<host>`). */
export interface HostRef {
  stackAlias?: string;
  host: string;
}

export interface SmtpConfig {
  server: string;
  port: number;
  login: string;
  fromAddress: string;
}

export interface InstanceConfig {
  flavor: Flavor;
  /** Release tag: v4.5.9 for Mastodon, v4.5.9+hometown-1.2.0 for Hometown. */
  version: string;
  host: HostRef;
  /** LOCAL_DOMAIN: the domain in users' handles. Never changes once in use. */
  domain: string;
  /** WEB_DOMAIN: where the site is served; defaults to `domain`. */
  webDomain: string;
  mode: InstanceMode;
  federation: boolean;
  email: boolean;
  registrations: Registrations;
  restoreFrom?: RestoreSource;
  /** Run the restore as a drill: start, check health, report Time To Restore. */
  drill: boolean;
  backup?: BackupConfig;
  smtp?: SmtpConfig;
  /** Web listens on portBase, streaming on portBase + 1 (loopback only). */
  portBase: number;
  /** Redis logical database of this instance on its host. */
  redisDb: number;
  /** Hometown only: maximum post length. */
  maxTootChars?: number;
}

/** Secret values per instance, keyed by the environment variable they become. */
export type InstanceSecrets = Partial<Record<SecretName, string>>;

export const APP_SECRET_NAMES = [
  "SECRET_KEY_BASE",
  "OTP_SECRET",
  "VAPID_PRIVATE_KEY",
  "VAPID_PUBLIC_KEY",
  "ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY",
  "ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT",
  "ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY",
  "DB_PASS",
  "SMTP_PASSWORD",
] as const;
export const BACKUP_SECRET_NAMES = ["RESTIC_PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] as const;
export const SECRET_NAMES = [...APP_SECRET_NAMES, ...BACKUP_SECRET_NAMES] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

export interface StackConfig {
  access: AccessConfig;
  hosts: Record<string, HostConfig>;
  dns?: DnsConfig;
  instances: Record<string, InstanceConfig>;
  /** alias → fully qualified stack name, e.g. production → organization/coop-mastodon/prod */
  stackReferences: Record<string, string>;
  /** Names of the secrets set for each instance; the values stay in Pulumi's secret outputs. */
  secretsSet: Record<string, SecretName[]>;
}

/** A finding that does not stop the program, e.g. a secret still to set. */
export interface Warning {
  path: string;
  message: string;
}
