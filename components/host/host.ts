import * as command from "@pulumi/command";
import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import { sshConnection } from "../common/connection";
import { hostScript } from "../common/scripts";
import { AccessConfig, HostConfig } from "../config/types";
import { renderBootstrap } from "./cloud-init";
import { firewallRules } from "./firewall-rules";
import { OS_FACTS } from "./os";

export interface HostArgs {
  stack: string;
  config: HostConfig;
  access: AccessConfig;
}

/** Inputs Hetzner can only apply by replacing the server. A long-lived host ignores
 * them: their later changes reach it over SSH instead. */
export const REPLACING_SERVER_INPUTS = ["image", "location", "userData", "sshKeys"];

/**
 * A Hetzner server with its firewall, addresses and optional data volume. Long-lived
 * hosts (production's primary and secondary) cannot be deleted or replaced by a stack
 * update: every resource is protected, and volumes and addresses outlive the stack.
 */
export class Host extends pulumi.ComponentResource {
  readonly serverId: pulumi.Output<string>;
  readonly ipv4: pulumi.Output<string>;
  readonly ipv6: pulumi.Output<string>;
  readonly role: string;

  constructor(name: string, args: HostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("coop:host:Host", name, {}, opts);
    const { config, access, stack } = args;
    const longLived = config.longLived;
    const serverName = `${stack}-${name}`;
    const labels = { stack, role: config.role, "managed-by": "pulumi" };
    // Resources whose loss loses data or addresses other people rely on.
    const keep: pulumi.CustomResourceOptions = longLived ? { parent: this, protect: true, retainOnDelete: true } : { parent: this };

    const firewall = new hcloud.Firewall(`${name}-firewall`, {
      name: `${serverName}-firewall`,
      labels,
      rules: firewallRules(access.sshAllowedFrom),
    }, { parent: this, protect: longLived });

    const ipv4 = new hcloud.PrimaryIp(`${name}-ipv4`, {
      name: `${serverName}-ipv4`,
      type: "ipv4",
      assigneeType: "server",
      location: config.location,
      autoDelete: false,
      deleteProtection: longLived,
      labels,
    }, keep);
    const ipv6 = new hcloud.PrimaryIp(`${name}-ipv6`, {
      name: `${serverName}-ipv6`,
      type: "ipv6",
      assigneeType: "server",
      location: config.location,
      autoDelete: false,
      deleteProtection: longLived,
      labels,
    }, keep);

    const sshKeys = access.hetznerSshKey
      ? [hcloud.getSshKeyOutput({ name: access.hetznerSshKey }, { parent: this }).apply((k) => String(k.id))]
      : [];

    const server = new hcloud.Server(`${name}-server`, {
      name: serverName,
      serverType: config.serverType,
      image: config.image,
      location: config.location,
      backups: config.hetznerBackups,
      userData: renderBootstrap({ admins: access.admins, deployUser: access.deployUser, os: OS_FACTS[config.image] }),
      sshKeys,
      firewallIds: [firewall.id.apply(Number)],
      publicNets: [{ ipv4Enabled: true, ipv4: ipv4.id.apply(Number), ipv6Enabled: true, ipv6: ipv6.id.apply(Number) }],
      // Hetzner requires both protections to be equal.
      deleteProtection: longLived,
      rebuildProtection: longLived,
      shutdownBeforeDeletion: true,
      labels,
    }, longLived
      ? { parent: this, protect: true, ignoreChanges: REPLACING_SERVER_INPUTS }
      // A named server cannot be created before its predecessor is gone.
      : { parent: this, deleteBeforeReplace: true });

    if (config.volumeGb > 0) {
      const volume = new hcloud.Volume(`${name}-data`, {
        name: `${serverName}-data`,
        size: config.volumeGb,
        location: config.location,
        format: "ext4",
        automount: false,
        deleteProtection: longLived,
        labels,
      }, longLived ? { ...keep, ignoreChanges: ["format"] } : keep);
      const attachment = new hcloud.VolumeAttachment(`${name}-data-attachment`, {
        serverId: server.id.apply(Number),
        volumeId: volume.id.apply(Number),
        automount: false,
      }, { parent: this, protect: longLived });
      new command.remote.Command(`${name}-mount-data`, {
        connection: sshConnection(server.ipv4Address, access.deployUser),
        create: pulumi.interpolate`sudo bash -s -- ${volume.linuxDevice}`,
        stdin: hostScript("coop-prepare-volume"),
        triggers: [volume.id],
      }, { parent: this, dependsOn: [attachment] });
    }

    this.role = config.role;
    this.serverId = server.id;
    this.ipv4 = ipv4.ipAddress;
    // Hetzner assigns a /64; the server answers on ::1 of it.
    this.ipv6 = server.ipv6Address;
    this.registerOutputs({ serverId: this.serverId, ipv4: this.ipv4, ipv6: this.ipv6 });
  }
}
