/**
 * Files that configure backups on a host: the settings read by scripts/host/coop-backup
 * and coop-restore, and the systemd units that schedule them. Secrets go to a separate
 * file, written over SSH from Pulumi secrets and never shown in a plan.
 */
import { BackupConfig, InstanceSecrets, BACKUP_SECRET_NAMES } from "../config/types";
import { appDir, databaseName } from "../instance/layout";

export interface BackupTarget {
  /** Instance on this host whose data is backed up or restored into. */
  instance: string;
  /** Instance whose snapshots are read; differs from `instance` for a restored copy. */
  sourceInstance: string;
  repository: string;
  redisDb: number;
}

export function configDir(): string {
  return "/etc/coop-mastodon";
}

export function renderBackupEnv(target: BackupTarget, backup: Omit<BackupConfig, "repository">): string {
  const lines: [string, string | number][] = [
    ["INSTANCE", target.instance],
    ["SOURCE_INSTANCE", target.sourceInstance],
    ["APP_DIR", appDir(target.instance)],
    ["STATE_DIR", `/var/lib/coop-mastodon/${target.instance}`],
    // root reaches PostgreSQL over the socket as these roles through the pg_ident map
    // "coop" that the bootstrap and the Backup component set up.
    ["PGHOST", "/var/run/postgresql"],
    ["PGPORT", 5432],
    ["PGUSER", databaseName(target.instance)],
    ["PGDATABASE", databaseName(target.instance)],
    ["PG_ADMIN_USER", "postgres"],
    ["PG_ADMIN_DB", "postgres"],
    ["PG_JOBS", backup.pgJobs],
    ["REDIS_HOST", "127.0.0.1"],
    ["REDIS_PORT", 6379],
    ["REDIS_DB", target.redisDb],
    ["RESTIC_REPOSITORY", target.repository],
    ["KEEP_HOURLY", backup.retention.hourly],
    ["KEEP_DAILY", backup.retention.daily],
    ["KEEP_WEEKLY", backup.retention.weekly],
    ["KEEP_MONTHLY", backup.retention.monthly],
    ["CHECK_SUBSET", backup.checkSubset],
    ["ALERT_URL", backup.alertUrl],
    // Several instances can share the host's Redis: a restore moves only its own keys.
    ["REDIS_RESTORE_MODE", "migrate"],
  ];
  return [
    `# Rendered by coop-mastodon for instance ${target.instance}. Secrets are in backup-${target.instance}.secrets.`,
    ...lines.map(([k, v]) => `${k}=${v}`),
  ].join("\n") + "\n";
}

export function renderBackupSecrets(secrets: InstanceSecrets): string {
  return BACKUP_SECRET_NAMES.filter((k) => secrets[k]).map((k) => `${k}=${secrets[k]}`).join("\n") + "\n";
}

/** systemd units, keyed by file name under /etc/systemd/system. */
export function renderUnits(instance: string, backup: Pick<BackupConfig, "schedule" | "checkSchedule">, sbinDir = "/usr/local/sbin"): Record<string, string> {
  const service = (verb: "run" | "verify", what: string) => `[Unit]
Description=${what} of Mastodon instance %i
Wants=network-online.target
After=network-online.target postgresql.service redis-server.service

[Service]
Type=oneshot
ExecStart=${sbinDir}/coop-backup ${verb} %i
Nice=10
IOSchedulingClass=best-effort
IOSchedulingPriority=7
`;
  const timer = (unit: string, calendar: string, what: string) => `[Unit]
Description=${what} of Mastodon instance ${instance}

[Timer]
OnCalendar=${calendar}
RandomizedDelaySec=300
Persistent=true
Unit=${unit}

[Install]
WantedBy=timers.target
`;
  return {
    "coop-backup@.service": service("run", "Backup"),
    "coop-backup-check@.service": service("verify", "Backup verification"),
    [`coop-backup-${instance}.timer`]: timer(`coop-backup@${instance}.service`, backup.schedule, "Scheduled backup"),
    [`coop-backup-check-${instance}.timer`]: timer(`coop-backup-check@${instance}.service`, backup.checkSchedule, "Scheduled backup verification"),
  };
}
