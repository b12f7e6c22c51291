import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { HostConnection } from "../common/connection";
import { stageFiles, writeSecretFile } from "../common/remote-files";
import { BackupConfig, InstanceSecrets } from "../config/types";
import { BACKUP_DEFAULTS } from "../config/defaults";
import { databaseName } from "../instance/layout";
import { BackupTarget, configDir, renderBackupEnv, renderBackupSecrets, renderUnits } from "./render";

export interface BackupArgs {
  target: Omit<BackupTarget, "repository"> & { repository: pulumi.Input<string> };
  /** Schedule and retention; undefined for a copy that only restores. */
  backup?: BackupConfig;
  secrets: pulumi.Output<InstanceSecrets>;
  connection: HostConnection;
  deployUser: string;
}

/**
 * Installs the backup settings of one instance (for a copy: where its source's backups
 * are) and, when the instance is backed up, the systemd timers that run and verify them.
 */
export class Backup extends pulumi.ComponentResource {

  constructor(name: string, args: BackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("coop:backup:Backup", name, {}, opts);
    const { target, backup, connection } = args;
    const child = { parent: this };
    const settings = { ...BACKUP_DEFAULTS, ...(backup ?? {}) };
    const units = backup ? renderUnits(target.instance, backup) : {};

    const files: Record<string, pulumi.Input<string>> = {
      [`backup-${target.instance}.env`]: pulumi.output(target.repository).apply((repository) => renderBackupEnv({ ...target, repository }, settings)),
    };
    for (const [unit, text] of Object.entries(units)) files[`systemd/${unit}`] = text;

    // A copy learns where its source's backups are only through the stack reference, so
    // whether object-storage keys are needed is known only here.
    pulumi.all([pulumi.output(target.repository), args.secrets]).apply(([repository, secrets]) => {
      const missing = repository.startsWith("s3:") ? (["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] as const).filter((k) => !secrets[k]) : [];
      for (const key of missing) {
        const message = `secrets.${target.instance}.${key}: is not set yet; the backups at ${repository} need it (pulumi config set --secret --path 'secrets.${target.instance}.${key}')`;
        if (!pulumi.runtime.isDryRun()) throw new Error(message);
        pulumi.log.warn(message);
      }
    });

    const staged = stageFiles(`${name}-stage`, files, `/home/${args.deployUser}/coop-staging/backup-${target.instance}`, connection, child);
    const secrets = writeSecretFile(
      `${name}-secrets`,
      args.secrets.apply(renderBackupSecrets),
      `${configDir()}/backup-${target.instance}.secrets`,
      connection,
      child,
    );
    const timers = Object.keys(units).filter((u) => u.endsWith(".timer"));
    new command.remote.Command(`${name}-install`, {
      connection,
      create: staged.dir.apply((dir) => [
        "set -eu",
        `cd ${dir}`,
        `sudo install -m 0644 backup-${target.instance}.env ${configDir()}/`,
        // Lets root connect over the socket as the instance's role (see the bootstrap).
        `sudo coop-pg-ident ${databaseName(target.instance)}`,
        ...(timers.length ? [
          "sudo install -m 0644 systemd/* /etc/systemd/system/",
          "sudo systemctl daemon-reload",
          `sudo systemctl enable --now ${timers.join(" ")}`,
        ] : []),
      ].join("\n")),
      delete: timers.length ? `sudo systemctl disable --now ${timers.join(" ")} || true` : undefined,
      triggers: [staged.hash],
    }, { parent: this, dependsOn: [...staged.copies, secrets] });

    this.registerOutputs({});
  }
}
