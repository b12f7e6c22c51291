import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { sshConnection } from "../common/connection";
import { stageFiles, writeSecretFile } from "../common/remote-files";
import { AccessConfig, InstanceConfig, InstanceSecrets } from "../config/types";
import { renderCompose } from "./compose";
import { renderDeployEnv } from "./deploy-env";
import { renderEnvProduction, renderEnvSecrets } from "./environment";
import { appDir } from "./layout";
import { renderMaintenancePage, renderNginxSite } from "./nginx-site";
import { parseRelease, seriesFacts } from "./releases";
import { vapidKeysFromPem } from "./vapid";

export interface InstanceArgs {
  config: InstanceConfig;
  access: AccessConfig;
  /** Address Pulumi reaches the host at. */
  hostAddress: pulumi.Input<string>;
  /** What must exist first: the host, and the backup tools and settings. */
  dependsOn: pulumi.Resource[];
  /** Secrets from stack config (already secret outputs). */
  secrets: pulumi.Output<InstanceSecrets>;
  /** Secrets that a live instance still lacks; `pulumi up` refuses to deploy without them. */
  missingSecrets: string[];
  /** Whether backups are configured: an upgrade then starts with a verified backup. */
  backedUp: boolean;
}

/** Everything rendered for the host, by path relative to the staging directory. */
export function renderInstanceFiles(name: string, inst: InstanceConfig, adminEmail: string, backedUp: boolean): Record<string, string> {
  return {
    "docker-compose.yml": renderCompose(name, inst),
    ".env.production": renderEnvProduction(name, inst),
    "nginx-site.conf": renderNginxSite(name, inst),
    "maintenance/index.html": renderMaintenancePage(inst),
    "deploy.env": renderDeployEnv(name, inst, adminEmail, backedUp),
  };
}

/**
 * A Mastodon or Hometown deployment on a host. Its files are rendered here, staged on the
 * host under a content hash and applied by scripts/host/coop-deploy: a version bump
 * changes the staged files and the deploy command, and nothing else.
 */
export class Instance extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;
  readonly version: pulumi.Output<string>;
  readonly deploymentHash: pulumi.Output<string>;
  /** For a drill: the report (JSON) with Time To Restore by phase. */
  readonly report?: pulumi.Output<string>;

  constructor(name: string, args: InstanceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("coop:instance:Instance", name, {}, opts);
    const { config: inst, access } = args;
    const connection = sshConnection(args.hostAddress, access.deployUser);
    const child = { parent: this };

    if (inst.mode === "live" && args.missingSecrets.length > 0 && !pulumi.runtime.isDryRun()) {
      throw new Error(`instances.${name}: secrets not set: ${args.missingSecrets.join(", ")} (import them from the running instance's .env.production with pulumi config set --secret --path 'secrets.${name}.<NAME>')`);
    }

    const before: pulumi.Resource[] = [...args.dependsOn];
    if (inst.mode !== "live") {
      // Created first and deleted last: `pulumi destroy` of a copy or trial removes all it
      // left on the host. Its inputs never change, so it is never replaced. Never for live.
      before.push(new command.remote.Command(`${name}-footprint`, {
        connection,
        create: `sudo install -d -m 0755 ${appDir(name)}`,
        delete: `sudo coop-deploy remove ${name}`,
      }, { parent: this, dependsOn: args.dependsOn }));
    }
    if (inst.mode !== "restored") {
      const secrets = inst.mode === "fresh" ? withGeneratedSecrets(name, inst, args.secrets, this) : args.secrets;
      before.push(writeSecretFile(`${name}-env-secrets`, secrets.apply(renderEnvSecrets), `${appDir(name)}/.env.secrets`, connection, child));
    }

    const files = renderInstanceFiles(name, inst, access.adminEmail, args.backedUp);
    const staged = stageFiles(`${name}-stage`, files, `/home/${access.deployUser}/coop-staging/${name}`, connection, child);
    before.push(...staged.copies);
    const apply = pulumi.interpolate`coop-deploy apply ${name} ${staged.dir}`;

    let deploy: command.remote.Command;
    if (inst.mode === "restored" && inst.drill) {
      // One command: restore, start, check, report. Its stdout is the report (no secrets).
      // Provision time is boot to the end of cloud-init, read on the host.
      deploy = new command.remote.Command(`${name}-drill`, {
        connection,
        create: pulumi.interpolate`sudo coop-drill ${name} --report-dir /var/lib/coop-mastodon/${name}/drill --provision-seconds "$(( $(stat -c %Y /var/lib/cloud/instance/boot-finished) - $(date +%s) + $(cut -d. -f1 /proc/uptime) ))" --copy-web-domain ${inst.webDomain} --start-command "${apply}" --health-url http://127.0.0.1:${inst.portBase}/health --health-url http://127.0.0.1:${inst.portBase + 1}/api/v1/streaming/health && sudo cat /var/lib/coop-mastodon/${name}/drill/report.json`,
        triggers: [staged.hash],
      }, { parent: this, dependsOn: before });
    } else {
      if (inst.mode === "restored") {
        // Runs once, when the copy is created; later deployments keep its data.
        before.push(new command.remote.Command(`${name}-restore`, {
          connection,
          create: `sudo coop-restore ${name} --snapshot latest --copy-web-domain ${inst.webDomain}`,
        }, { parent: this, dependsOn: before.slice() }));
      }
      deploy = new command.remote.Command(`${name}-deploy`, {
        connection,
        create: pulumi.interpolate`sudo ${apply}`,
        // A new hash replaces the command, which reruns coop-deploy with the new files;
        // the previous release's files stay on the host for the way back.
        triggers: [staged.hash],
      }, { parent: this, dependsOn: before });
    }

    this.url = pulumi.output(`https://${inst.webDomain}`);
    this.version = pulumi.output(inst.version);
    this.deploymentHash = staged.hash;
    this.report = inst.drill ? deploy.stdout : undefined;
    this.registerOutputs({ url: this.url, version: this.version, deploymentHash: this.deploymentHash });
  }
}

/** A fresh instance's secrets are generated once and kept in state (encrypted). */
function withGeneratedSecrets(name: string, inst: InstanceConfig, given: pulumi.Output<InstanceSecrets>, parent: pulumi.Resource): pulumi.Output<InstanceSecrets> {
  const opts = { parent, protect: false };
  const hex = (id: string, bytes: number) => new random.RandomBytes(`${name}-${id}`, { length: bytes }, opts).hex;
  const password = (id: string) => new random.RandomPassword(`${name}-${id}`, { length: 32, special: false }, opts).result;
  const vapid = new tls.PrivateKey(`${name}-vapid`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, opts).privateKeyPem.apply(vapidKeysFromPem);
  const facts = seriesFacts(parseRelease(inst.version)!)!;
  const generated = pulumi.all([
    hex("secret-key-base", 64),
    facts.usesOtpSecret ? hex("otp-secret", 64) : pulumi.output(""),
    password("db-pass"),
    password("ar-deterministic-key"),
    password("ar-key-derivation-salt"),
    password("ar-primary-key"),
    vapid,
    given,
  ]).apply(([secretKeyBase, otpSecret, dbPass, arDeterministic, arSalt, arPrimary, vapidKeys, fromConfig]): InstanceSecrets => ({
    SECRET_KEY_BASE: secretKeyBase,
    ...(otpSecret ? { OTP_SECRET: otpSecret } : {}),
    DB_PASS: dbPass,
    ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY: arDeterministic,
    ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT: arSalt,
    ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY: arPrimary,
    VAPID_PRIVATE_KEY: vapidKeys.privateKey,
    VAPID_PUBLIC_KEY: vapidKeys.publicKey,
    // Values set in config win over generated ones.
    ...fromConfig,
  }));
  return pulumi.secret(generated);
}
