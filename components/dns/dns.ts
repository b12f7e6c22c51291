import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { DnsConfig, InstanceConfig } from "../config/types";
import { dnsNames, recordResourceName } from "./records";

export interface HostAddresses {
  ipv4: pulumi.Input<string>;
  ipv6: pulumi.Input<string>;
}

export interface DnsArgs {
  config: DnsConfig;
  instances: Record<string, InstanceConfig>;
  hosts: Record<string, HostAddresses>;
  /** Production's records point at hosts people rely on: protect them. */
  protect: boolean;
}

/** Cloudflare A and AAAA records for every published name. Existing records must be
 * imported (`pulumi import`), never overwritten. */
export class Dns extends pulumi.ComponentResource {
  readonly names: pulumi.Output<string[]>;

  constructor(name: string, args: DnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("coop:dns:Dns", name, {}, opts);
    const zoneId: pulumi.Input<string> = args.config.zoneId
      || cloudflare.getZoneOutput({ filter: { name: args.config.zone } }, { parent: this }).apply((z) => z.id);
    const names = dnsNames(args.config, args.instances);
    for (const { fqdn, host } of names) {
      for (const type of ["A", "AAAA"] as const) {
        new cloudflare.DnsRecord(recordResourceName(fqdn, type), {
          zoneId,
          name: fqdn,
          type,
          content: type === "A" ? args.hosts[host].ipv4 : args.hosts[host].ipv6,
          proxied: args.config.proxied,
          // Cloudflare requires ttl 1 (automatic) on proxied records.
          ttl: args.config.proxied ? 1 : args.config.ttl,
          comment: `coop-mastodon: host ${host}`,
        }, { parent: this, protect: args.protect });
      }
    }
    this.names = pulumi.output(names.map((n) => n.fqdn));
    this.registerOutputs({ names: this.names });
  }
}
