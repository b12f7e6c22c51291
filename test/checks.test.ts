/** The small validators, one by one, and the pure helpers beside them. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import fc from "fast-check";
import * as checks from "../components/config/checks";
import { dnsNames, recordResourceName } from "../components/dns/records";
import { firewallRules, NEVER_OPEN_PORTS, ruleCovers } from "../components/host/firewall-rules";
import { parseRelease, seriesBetween } from "../components/instance/releases";
import { InstanceConfig } from "../components/config/types";
import { REPO_ROOT } from "../components/common/scripts";

describe("checks", () => {
  it("release tags", () => {
    assert.equal(checks.checkMastodonTag("v4.5.9"), undefined);
    assert.match(checks.checkMastodonTag("4.5.9")!, /not a release tag/);
    assert.match(checks.checkMastodonTag("v4.5")!, /not a release tag/);
    assert.equal(checks.checkHometownTag("v4.5.9+hometown-1.2.0"), undefined);
    assert.match(checks.checkHometownTag("v1.0.5+3.4.0")!, /not a Hometown release tag/);
    assert.match(checks.checkHometownTag("v4.5.9")!, /is a Mastodon tag/);
  });

  it("domains are written in full and in lower case", () => {
    assert.equal(checks.checkDomain("alpha.social.coop"), undefined);
    for (const bad of ["alpha", "Social.Coop", "social.coop.", "-x.social.coop", "10.0.0.1", "a..b"]) {
      assert.ok(checks.checkDomain(bad), bad);
    }
  });

  it("CIDR networks, IPv4 and IPv6", () => {
    for (const good of ["203.0.113.7/32", "198.51.100.0/24", "2001:db8::/48", "2001:db8:1::/48"]) assert.equal(checks.checkCidr(good), undefined, good);
    for (const bad of ["203.0.113.7", "300.1.1.1/32", "1.2.3/24", "1.2.3.4/33", "2001:db8::/129", "2001::db8::/48", "x/8"]) assert.ok(checks.checkCidr(bad), bad);
    assert.match(checks.checkCidr("::/0")!, /whole internet/);
  });

  it("accepts any valid IPv4 network and refuses any prefix above 32", () => {
    fc.assert(fc.property(fc.ipV4(), fc.integer({ min: 1, max: 32 }), (ip, prefix) => checks.checkCidr(`${ip}/${prefix}`) === undefined));
    fc.assert(fc.property(fc.ipV4(), fc.integer({ min: 33, max: 999 }), (ip, prefix) => checks.checkCidr(`${ip}/${prefix}`) !== undefined));
  });

  it("server types, deprecated ones with their replacement", () => {
    assert.equal(checks.checkServerType("cx33"), undefined);
    assert.equal(checks.checkServerType("cax21"), undefined);
    assert.equal(checks.checkServerType("cpx11"), "was deprecated by Hetzner in October 2025 (use cpx12)");
    assert.match(checks.checkServerType("t2.micro")!, /not a Hetzner server type/);
  });

  it("restic repositories never carry credentials", () => {
    assert.equal(checks.checkResticRepository("s3:https://fsn1.your-objectstorage.com/bucket/main"), undefined);
    assert.equal(checks.checkResticRepository("sftp:u123@u123.your-storagebox.de:backups/main"), undefined);
    assert.equal(checks.checkResticRepository("rest:https://backup.example.org/main"), undefined);
    assert.match(checks.checkResticRepository("s3:https://key:secret@host/bucket")!, /contains a password/);
  });

  it("calendar expressions the check accepts are accepted by systemd too", () => {
    for (const spec of ["hourly", "daily", "weekly", "*-*-* 03:15:00", "*-*-* *:05:00", "Sun *-*-* 04:00:00", "Mon..Fri *-*-* 02:30:00"]) {
      assert.equal(checks.checkCalendar(spec), undefined, spec);
      const run = spawnSync("systemd-analyze", ["calendar", spec], { encoding: "utf8" });
      assert.equal(run.status, 0, `${spec}: ${run.stderr}`);
    }
    for (const spec of ["every hour", "3am", "", "*/5 * * * *"]) assert.ok(checks.checkCalendar(spec), spec);
  });

  it("check subsets", () => {
    for (const good of ["5%", "0.5%", "100%", "1/20", "3/3"]) assert.equal(checks.checkCheckSubset(good), undefined, good);
    for (const bad of ["0%", "101%", "5", "0/5", "6/5", "five%"]) assert.ok(checks.checkCheckSubset(bad), bad);
  });

  it("suggests the closest allowed key for a typo, and nothing for a stranger", () => {
    assert.equal(checks.closest("hostz", ["hosts", "dns"]), "hosts");
    assert.equal(checks.closest("SECRET_KEY", ["SECRET_KEY_BASE", "DB_PASS"]), "SECRET_KEY_BASE");
    assert.equal(checks.closest("zzzzzzzz", ["hosts", "dns"]), undefined);
  });
});

describe("firewall rules", () => {
  it("never cover PostgreSQL or Redis, whatever networks the admins list", () => {
    fc.assert(fc.property(fc.array(fc.ipV4().map((ip) => `${ip}/32`), { minLength: 1, maxLength: 5 }), (nets) =>
      firewallRules(nets).every((r) => NEVER_OPEN_PORTS.every((p) => !ruleCovers(r, p)))));
  });

  it("port ranges are understood", () => {
    assert.equal(ruleCovers({ protocol: "tcp", port: "5000-6000" }, 5432), true);
    assert.equal(ruleCovers({ protocol: "tcp" }, 6379), true);
    assert.equal(ruleCovers({ protocol: "icmp" }, 6379), false);
  });
});

describe("DNS names", () => {
  const inst = (webDomain: string, host: string, stackAlias?: string) => ({ webDomain, host: { host, stackAlias } }) as InstanceConfig;
  it("publish each instance's web domain in the zone and the extra records, once each", () => {
    const names = dnsNames(
      { zone: "social.coop", zoneId: "", proxied: false, ttl: 300, records: { "alpha.social.coop": "secondary", "social.coop": "primary" } },
      { main: inst("social.coop", "primary"), other: inst("example.org", "primary"), copy: inst("copy.social.coop", "x", "production") },
    );
    assert.deepEqual(names, [{ fqdn: "alpha.social.coop", host: "secondary" }, { fqdn: "social.coop", host: "primary" }]);
    assert.equal(recordResourceName("alpha.social.coop", "AAAA"), "alpha-social-coop-aaaa");
  });
});

describe("upgrade path", () => {
  it("the host's check agrees with the program's list of series to pass through", () => {
    const tag = fc.record({ minor: fc.integer({ min: 3, max: 7 }), patch: fc.integer({ min: 0, max: 12 }) }).map(({ minor, patch }) => `v4.${minor}.${patch}`);
    const samples = fc.sample(fc.tuple(tag, tag), { numRuns: 40, seed: 42 });
    for (const [from, to] of samples) {
      const a = parseRelease(from)!;
      const b = parseRelease(to)!;
      const downgrade = a.minor > b.minor || (a.minor === b.minor && a.patch > b.patch);
      const expectedOk = !downgrade && seriesBetween(a, b).length === 0;
      const run = spawnSync("bash", [`${REPO_ROOT}/scripts/host/coop-deploy`, "check-upgrade", from, to], { encoding: "utf8" });
      assert.equal(run.status === 0, expectedOk, `${from} → ${to}: ${run.stderr}`);
    }
  });

  it("names the series to go through first", () => {
    const run = spawnSync("bash", [`${REPO_ROOT}/scripts/host/coop-deploy`, "check-upgrade", "v4.3.1", "v4.5.9"], { encoding: "utf8" });
    assert.equal(run.status, 1);
    assert.equal(run.stderr.trim(), "coop-deploy: refusing to skip from v4.3.1 to v4.5.9: upgrade to the latest 4.4.x first, then to v4.5.9");
  });
});
