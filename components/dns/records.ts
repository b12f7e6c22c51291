/**
 * Which DNS names a stack publishes, and for which host. Every instance served from a
 * host of this stack gets its web domain; `dns.records` adds further names (the alpha
 * and town subdomains point at the secondary, for example).
 */
import { DnsConfig, InstanceConfig } from "../config/types";

export interface DnsName {
  /** Name written in full, e.g. alpha.social.coop. */
  fqdn: string;
  host: string;
}

export function dnsNames(dns: DnsConfig, instances: Record<string, InstanceConfig>): DnsName[] {
  const names = new Map<string, string>();
  for (const inst of Object.values(instances)) {
    const inZone = inst.webDomain === dns.zone || inst.webDomain.endsWith(`.${dns.zone}`);
    if (inZone && inst.host.stackAlias === undefined) names.set(inst.webDomain, inst.host.host);
  }
  for (const [fqdn, host] of Object.entries(dns.records)) names.set(fqdn, host);
  return [...names.entries()]
    .map(([fqdn, host]) => ({ fqdn, host }))
    .sort((a, b) => a.fqdn.localeCompare(b.fqdn));
}

/** Resource name of a record: stable, readable, unique per name and type. */
export function recordResourceName(fqdn: string, type: "A" | "AAAA"): string {
  return `${fqdn.replace(/\./g, "-")}-${type.toLowerCase()}`;
}
