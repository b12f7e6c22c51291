/**
 * Bad configs, each with the exact message a user gets. Each case starts from the real
 * production stack file and breaks one thing.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, validateStackConfig } from "../components/config/validate";
import { stackDoc } from "./helpers/plan";

function projectKeys(file: string): Record<string, any> {
  const config = stackDoc(file).config;
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k.replace(/^coop-mastodon:/, ""), v]));
}

function problemsOf(edit: (c: Record<string, any>) => void, file = "Pulumi.prod.yaml"): string[] {
  const raw = structuredClone(projectKeys(file));
  edit(raw);
  try {
    validateStackConfig(raw, "2026-12-03");
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

const cases: [string, (c: Record<string, any>) => void, string, string?][] = [
  ["version that is not a tag", (c) => { c.instances.main.version = "4.3"; },
    'instances.main.version: "4.3" is not a release tag (expected vMAJOR.MINOR.PATCH)'],
  ["Hometown tag on a Mastodon instance", (c) => { c.instances.main.version = "v4.5.9+hometown-1.2.0"; },
    'instances.main.version: "v4.5.9+hometown-1.2.0" is a Hometown tag but flavor is mastodon (set flavor: hometown, or use a tag like v4.5.9)'],
  ["series the program cannot deploy", (c) => { c.instances.main.version = "v4.2.10"; },
    'instances.main.version: "v4.2.10" is in series 4.2, which this program cannot deploy (known series: 4.3, 4.4, 4.5, 4.6, 4.7)'],
  ["unknown top-level key", (c) => { c.hostz = {}; },
    "hostz: unknown setting (did you mean hosts?); allowed here: access, hosts, dns, instances, stackReferences, secrets"],
  ["typo in an instance key", (c) => { c.instances.main.federaton = false; },
    "instances.main.federaton: unknown setting (did you mean federation?); allowed here: flavor, version, host, domain, webDomain, mode, federation, email, registrations, restoreFrom, drill, backup, smtp, portBase, redisDb, maxTootChars"],
  ["deprecated server type", (c) => { c.hosts.primary.serverType = "cx22"; },
    'hosts.primary.serverType: "cx22" was deprecated by Hetzner in October 2025 (use cx23)'],
  ["unknown location", (c) => { c.hosts.secondary.location = "fra1"; },
    'hosts.secondary.location: "fra1" is not a Hetzner location (allowed: fsn1, nbg1, hel1, ash, hil, sin)'],
  ["production host not long-lived", (c) => { c.hosts.primary.longLived = false; },
    "hosts.primary.longLived: false is not allowed for a primary host (production hosts are always protected)"],
  ["SSH open to the world", (c) => { c.access.sshAllowedFrom = ["0.0.0.0/0"]; },
    'access.sshAllowedFrom[0]: "0.0.0.0/0" opens SSH to the whole internet; list the admins\' networks instead'],
  ["network that is not CIDR", (c) => { c.access.sshAllowedFrom = ["203.0.113.7"]; },
    'access.sshAllowedFrom[0]: "203.0.113.7" is not a network in CIDR notation (e.g. 203.0.113.7/32 or 2001:db8::/48)'],
  ["private key instead of public", (c) => { c.access.admins[0].sshPublicKey = "-----BEGIN OPENSSH PRIVATE KEY-----"; },
    'access.admins[0].sshPublicKey: "-----BEGIN OPENSSH PRIVATE KEY-----" is not an SSH public key (expected e.g. "ssh-ed25519 AAAA… name")'],
  ["instance on a host that does not exist", (c) => { c.instances.main.host = "primry"; },
    'instances.main.host: "primry" is not a host of this stack (hosts: primary, secondary; a host of another stack is written <stackReferences alias>.<host>)'],
  ["DNS name not written in full", (c) => { c.dns.records = { alpha: "secondary" }; },
    'dns.records.alpha: "alpha" is not a domain name written in full (lower case, e.g. social.coop); write names in full, e.g. alpha.social.coop'],
  ["DNS name outside the zone", (c) => { c.dns.records["alpha.social.club"] = "secondary"; },
    'dns.records.alpha.social.club: "alpha.social.club" is outside the zone social.coop'],
  ["proxied with a fixed ttl", (c) => { c.dns.proxied = true; c.dns.ttl = 300; },
    "dns.ttl: 300 must be 1 (automatic) when proxied is true; remove ttl or set proxied: false"],
  ["restic repository with a password inside", (c) => { c.instances.main.backup.repository = "rest:https://user:pw@backup.example/"; },
    'instances.main.backup.repository: "rest:https://user:pw@backup.example/" contains a password; put credentials in secrets, not in the repository address'],
  ["repository of an unknown kind", (c) => { c.instances.main.backup.repository = "/var/backups"; },
    'instances.main.backup.repository: "/var/backups" is not a restic repository (expected s3:https://host/bucket/path, sftp:user@host:path or rest:https://host/path)'],
  ["retention that keeps nothing", (c) => { c.instances.main.backup.retention = { hourly: 0, daily: 0, weekly: 0, monthly: 0 }; },
    "instances.main.backup.retention: keeps no snapshot at all; keep at least one (e.g. daily: 7)"],
  ["bad check subset", (c) => { c.instances.main.backup.checkSubset = "5 percent"; },
    'instances.main.backup.checkSubset: "5 percent" is not a slice of the data (expected a percentage like 5% or a fraction like 1/20)'],
  ["pgJobs out of range", (c) => { c.instances.main.backup.pgJobs = 0; },
    "instances.main.backup.pgJobs: 0 must be a whole number from 1 to 32"],
  ["email on without smtp", (c) => { delete c.instances.main.smtp; },
    "instances.main.smtp: is required when email is true (server, login, fromAddress), or set email: false"],
  ["restored copy with federation on", (c) => { c.instances.alpha.federation = true; },
    "instances.alpha.federation: true is not allowed for a restored copy: it holds the source's keys and must never deliver to other servers", "Pulumi.alpha.yaml"],
  ["restored copy with e-mail on", (c) => { c.instances.alpha.email = true; },
    "instances.alpha.email: true is not allowed for a restored copy: it holds real users' addresses and must never send e-mail", "Pulumi.alpha.yaml"],
  ["restored copy without a source", (c) => { delete c.instances.alpha.restoreFrom; },
    "instances.alpha.restoreFrom: is required when mode is restored (write <stackReferences alias>.<instance>, e.g. production.main)", "Pulumi.alpha.yaml"],
  ["undeclared stack reference", (c) => { c.instances.alpha.host = "prod.secondary"; },
    'instances.alpha.host: "prod.secondary" names stack reference "prod", which stackReferences does not declare', "Pulumi.alpha.yaml"],
  ["Hometown setting on Mastodon", (c) => { c.instances.main.maxTootChars = 1000; },
    "instances.main.maxTootChars: is a Hometown setting; remove it or set flavor: hometown"],
  ["two instances on the same ports", (c) => { c.instances.second = { ...structuredClone(c.instances.main), domain: "second.social.coop", version: "v4.5.9" }; },
    "instances.second.portBase: 3000 collides with instance main on the same host (each instance needs its own pair of ports)"],
  ["unknown secret name", (c) => { c.secrets = { main: { SECRET_KEY: "x" } }; },
    "secrets.main.SECRET_KEY: unknown setting (did you mean SECRET_KEY_BASE?); allowed here: SECRET_KEY_BASE, OTP_SECRET, VAPID_PRIVATE_KEY, VAPID_PUBLIC_KEY, ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY, ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT, ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY, DB_PASS, SMTP_PASSWORD, RESTIC_PASSWORD, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"],
  ["wrong type for a number", (c) => { c.hosts.primary.volumeGb = "lots"; },
    'hosts.primary.volumeGb: "lots" must be a whole number from 0 to 10240'],
  ["volume below Hetzner's minimum", (c) => { c.hosts.primary.volumeGb = 5; },
    "hosts.primary.volumeGb: 5 is below Hetzner's smallest volume (10 GB), use 0 for no volume"],
  ["image without packages for the release", (c) => { c.hosts.primary.image = "ubuntu-24.04"; },
    'hosts.primary.image: "ubuntu-24.04" is not allowed (allowed: debian-12, debian-13)'],
  // Found by trying to break the plan with bad input.
  ["a line break that would add lines to .env.production", (c) => { c.instances.main.smtp.login = "x\nSECRET_KEY_BASE=pwned"; },
    'instances.main.smtp.login: "x\\nSECRET_KEY_BASE=pwned" must be a single line without control characters'],
  ["a line break that would add an SSH key", (c) => { c.access.admins[0].sshPublicKey += "\nssh-rsa AAAAB3evil attacker"; },
    'access.admins[0].sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBRvvFKvGuIQqBuwixKrYcDgnQ5CivQnMgqCiM9G... must be a single line without control characters'],
  ["an empty host", (c) => { c.instances.main.host = ""; },
    "instances.main.host: is required and must not be empty"],
  ["a host named like a JavaScript built-in", (c) => { c.instances.main.host = "constructor"; },
    'instances.main.host: "constructor" is not a host of this stack (hosts: primary, secondary; a host of another stack is written <stackReferences alias>.<host>)'],
  ["a host reference with too many parts", (c) => { c.instances.main.host = "primary.x.y"; },
    'instances.main.host: "primary.x.y" is not a host name (write <host>, or <stackReferences alias>.<host> for a host of another stack)'],
  ["a DNS record pointing at a built-in name", (c) => { c.dns.records["x.social.coop"] = "hasOwnProperty"; },
    'dns.records.x.social.coop: "hasOwnProperty" is not a host of this stack (hosts: primary, secondary)'],
  ["root as the deploy user", (c) => { c.access.deployUser = "root"; },
    'access.deployUser: "root" is not allowed: root cannot log in over SSH (choose e.g. deploy)'],
  ["an admin as the deploy user", (c) => { c.access.deployUser = "wg-admin-1"; },
    'access.deployUser: "wg-admin-1" is also an admin\'s name; the deploy user must be a user of its own'],
  ["a server type that does not exist", (c) => { c.hosts.primary.serverType = "cx99"; },
    'hosts.primary.serverType: "cx99" is not a Hetzner server type (allowed: cx23, cx33, cx43, cx53, cpx12, cpx22, cpx32, cpx42, cpx52, cpx62, ccx13, ccx23, ccx33, ccx43, ccx53, ccx63, cax11, cax21, cax31, cax41)'],
  ["an IPv6 network with nine groups", (c) => { c.access.sshAllowedFrom = ["1:2:3:4:5:6:7:8:9/64"]; },
    'access.sshAllowedFrom[0]: "1:2:3:4:5:6:7:8:9/64" is not a network in CIDR notation (e.g. 203.0.113.7/32 or 2001:db8::/48)'],
  ["an invalid role, reported once", (c) => { c.hosts.secondary.role = "spare"; },
    'hosts.secondary.role: "spare" is not allowed (allowed: primary, secondary, trial, drill)'],
  ["an invalid flavor, reported once", (c) => { c.instances.main.flavor = "Hometown"; },
    'instances.main.flavor: "Hometown" is not allowed (allowed: mastodon, hometown)'],
  ["an invalid mode, reported once", (c) => { c.instances.main.mode = "restore"; },
    'instances.main.mode: "restore" is not allowed (allowed: live, restored, fresh)'],
  ["an empty host, reported once", (c) => { c.hosts.primary = null; },
    "hosts.primary: is empty; give its settings or remove it"],
];

describe("bad configs are refused with a message naming the key, the value and what is allowed", () => {
  for (const [title, edit, expected, file] of cases) {
    it(title, () => {
      assert.deepEqual(problemsOf(edit, file), [expected]);
    });
  }
});

describe("validation", () => {
  it("accepts every stack file in the repository", () => {
    for (const file of ["Pulumi.prod.yaml", "Pulumi.alpha.yaml", "stacks/trial.template.yaml", "stacks/drill.template.yaml"]) {
      assert.deepEqual(problemsOf(() => {}, file), [], file);
    }
  });

  it("reports every problem at once", () => {
    const problems = problemsOf((c) => {
      c.instances.main.version = "latest";
      c.hosts.primary.location = "mars";
      c.dns.zone = "Social.Coop";
    });
    assert.equal(problems.length, 3, problems.join("\n"));
    assert.ok(problems.some((p) => p.startsWith("instances.main.version:")));
    assert.ok(problems.some((p) => p.startsWith("hosts.primary.location:")));
    assert.ok(problems.some((p) => p.startsWith("dns.zone:")));
  });

  it("applies defaults: copies are closed, federation off, e-mail off", () => {
    const raw = projectKeys("Pulumi.alpha.yaml");
    const { config } = validateStackConfig(raw, "2026-12-03");
    const alpha = config.instances.alpha;
    assert.equal(alpha.federation, false);
    assert.equal(alpha.email, false);
    assert.equal(alpha.registrations, "closed");
    assert.deepEqual(alpha.host, { stackAlias: "production", host: "secondary" });
  });

  it("warns about secrets still to set without failing", () => {
    const { warnings } = validateStackConfig(projectKeys("Pulumi.prod.yaml"), "2026-12-03");
    assert.ok(warnings.some((w) => w.path === "secrets.main.SECRET_KEY_BASE"));
    assert.ok(!warnings.some((w) => w.path === "secrets.main.OTP_SECRET"), "4.5 has no OTP_SECRET");
  });

  it("warns once a series is out of security support", () => {
    const raw = projectKeys("Pulumi.prod.yaml");
    raw.instances.main.version = "v4.4.5";
    const { warnings } = validateStackConfig(raw, "2026-12-18");
    assert.ok(warnings.some((w) => w.message === "series 4.4 has had no security fixes since 2026-12-17; plan an upgrade"));
  });
});
