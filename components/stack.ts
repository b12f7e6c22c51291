/**
 * Wires one stack together from its validated config: hosts, then backups and instances
 * on them, then DNS. Decisions live in the components and their pure helpers; this file
 * only connects them.
 */
import * as pulumi from "@pulumi/pulumi";
import { Backup } from "./backup/backup";
import { sshConnection } from "./common/connection";
import { missingSecrets } from "./config/validate";
import { HostRef, InstanceSecrets, StackConfig } from "./config/types";
import { Dns, HostAddresses } from "./dns/dns";
import { Host } from "./host/host";
import { HostTools } from "./host/tools";
import { Instance } from "./instance/instance";

export interface StackOutputs {
  hosts: pulumi.Output<Record<string, { role: string; ipv4: string; ipv6: string }>>;
  instances: pulumi.Output<Record<string, { url: string; flavor: string; version: string; mode: string; federation: boolean; email: boolean }>>;
  backups: pulumi.Output<Record<string, { repository: string }>>;
  dnsNames: pulumi.Output<string[]>;
  drillReports: pulumi.Output<Record<string, string>>;
}

export function declareStack(stack: string, config: StackConfig, secrets: pulumi.Output<Record<string, InstanceSecrets>>): StackOutputs {
  const refs: Record<string, pulumi.StackReference> = {};
  for (const [alias, name] of Object.entries(config.stackReferences)) {
    refs[alias] = new pulumi.StackReference(alias, { name });
  }
  const fromRef = (alias: string, output: string, key: string, field: string): pulumi.Output<string> =>
    refs[alias].requireOutput(output).apply((value: Record<string, Record<string, string>> | undefined) => {
      const found = value?.[key]?.[field];
      if (found === undefined) throw new Error(`stack ${config.stackReferences[alias]} has no ${output}.${key}.${field} (is "${key}" declared there?)`);
      return found;
    });

  const hosts: Record<string, Host> = {};
  for (const [name, hostConfig] of Object.entries(config.hosts)) {
    hosts[name] = new Host(name, { stack, config: hostConfig, access: config.access });
  }
  const addressOf = (ref: HostRef): pulumi.Output<string> =>
    ref.stackAlias === undefined ? hosts[ref.host].ipv4 : fromRef(ref.stackAlias, "hosts", ref.host, "ipv4");

  const tools = new Map<string, HostTools>();
  const toolsOn = (ref: HostRef): HostTools => {
    const id = ref.stackAlias ? `${ref.stackAlias}-${ref.host}` : ref.host;
    if (!tools.has(id)) {
      tools.set(id, new HostTools(`${id}-tools`, {
        connection: sshConnection(addressOf(ref), config.access.deployUser),
        deployUser: config.access.deployUser,
      }, { dependsOn: ref.stackAlias === undefined ? [hosts[ref.host]] : [] }));
    }
    return tools.get(id)!;
  };

  const instances: Record<string, Instance> = {};
  const drillReports: Record<string, pulumi.Output<string>> = {};
  for (const [name, inst] of Object.entries(config.instances)) {
    const instanceSecrets = secrets.apply((s) => s[name] ?? {});
    const dependsOn: pulumi.Resource[] = [toolsOn(inst.host)];
    if (inst.backup || inst.restoreFrom) {
      const source = inst.restoreFrom;
      dependsOn.push(new Backup(`${name}-backup`, {
        target: {
          instance: name,
          sourceInstance: source?.instance ?? name,
          repository: source ? fromRef(source.stackAlias, "backups", source.instance, "repository") : inst.backup!.repository,
          redisDb: inst.redisDb,
        },
        backup: inst.backup,
        secrets: instanceSecrets,
        connection: sshConnection(addressOf(inst.host), config.access.deployUser),
        deployUser: config.access.deployUser,
      }, { dependsOn: dependsOn.slice() }));
    }
    instances[name] = new Instance(name, {
      config: inst,
      access: config.access,
      hostAddress: addressOf(inst.host),
      dependsOn,
      secrets: instanceSecrets,
      missingSecrets: missingSecrets(config, name),
      backedUp: inst.backup !== undefined,
    });
    if (instances[name].report) drillReports[name] = instances[name].report!;
  }

  let dnsNames: pulumi.Output<string[]> = pulumi.output([]);
  if (config.dns) {
    const addresses: Record<string, HostAddresses> = {};
    for (const [name, host] of Object.entries(hosts)) addresses[name] = { ipv4: host.ipv4, ipv6: host.ipv6 };
    const protect = Object.values(config.hosts).some((h) => h.longLived);
    dnsNames = new Dns("dns", { config: config.dns, instances: config.instances, hosts: addresses, protect }).names;
  }

  return {
    hosts: pulumi.output(Object.fromEntries(Object.entries(hosts).map(([n, h]) => [n, { role: h.role, ipv4: h.ipv4, ipv6: h.ipv6 }]))),
    instances: pulumi.output(Object.fromEntries(Object.entries(config.instances).map(([n, i]) => [n, {
      url: instances[n].url, flavor: i.flavor, version: i.version, mode: i.mode, federation: i.federation, email: i.email,
    }]))),
    backups: pulumi.output(Object.fromEntries(Object.entries(config.instances).filter(([, i]) => i.backup).map(([n, i]) => [n, { repository: i.backup!.repository }]))),
    dnsNames,
    drillReports: pulumi.output(drillReports),
  };
}
