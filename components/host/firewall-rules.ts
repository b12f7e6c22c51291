/**
 * Inbound firewall rules of every host: SSH from the admins' networks, web and ICMP
 * from anywhere, nothing else. PostgreSQL and Redis listen on loopback and are never
 * reachable from outside.
 */

export interface FirewallRuleSpec {
  direction: "in";
  protocol: "tcp" | "udp" | "icmp";
  port?: string;
  sourceIps: string[];
  description: string;
}

export const ANYWHERE = ["0.0.0.0/0", "::/0"];

/** Ports that must never be opened to the network. */
export const NEVER_OPEN_PORTS = [5432, 6379] as const;

export function firewallRules(sshAllowedFrom: string[]): FirewallRuleSpec[] {
  return [
    { direction: "in", protocol: "tcp", port: "22", sourceIps: [...sshAllowedFrom], description: "SSH from the admins' networks" },
    { direction: "in", protocol: "tcp", port: "80", sourceIps: ANYWHERE, description: "HTTP (redirect to HTTPS, ACME challenges)" },
    { direction: "in", protocol: "tcp", port: "443", sourceIps: ANYWHERE, description: "HTTPS" },
    { direction: "in", protocol: "icmp", sourceIps: ANYWHERE, description: "ICMP (ping, path MTU discovery)" },
  ];
}

/** True when a rule's port (single "80" or range "1-1000") covers `port`. */
export function ruleCovers(rule: { protocol: string; port?: string }, port: number): boolean {
  if (rule.protocol !== "tcp" && rule.protocol !== "udp") return false;
  if (!rule.port || rule.port === "any") return true;
  const [low, high] = rule.port.split("-").map(Number);
  return port >= low && port <= (high ?? low);
}
