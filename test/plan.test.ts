/**
 * The real program under Pulumi's mock runtime, for every stack file in the repository,
 * run exactly as `npm run plan` runs it.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { NEVER_OPEN_PORTS, ruleCovers } from "../components/host/firewall-rules";
import { PlanJson, PlanResource, planJson, runPlan, stackDoc, tempDir, writeStack } from "./helpers/plan";

const SERVER = "hcloud:index/server:Server";
const FIREWALL = "hcloud:index/firewall:Firewall";
const DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord";

function ofType(plan: PlanJson, type: string): PlanResource[] {
  return plan.resources.filter((r) => r.type === type);
}

function named(plan: PlanJson, name: string): PlanResource {
  const found = plan.resources.find((r) => r.name === name);
  assert.ok(found, `no resource named ${name}`);
  return found;
}

describe("production stack (Pulumi.prod.yaml)", () => {
  let plan: PlanJson;
  let out: string;
  before(() => {
    out = tempDir();
    plan = planJson("prod", undefined, out);
  });

  it("declares the primary and the secondary server, protected from deletion and replacement", () => {
    const servers = ofType(plan, SERVER);
    assert.deepEqual(servers.map((s) => s.inputs.name).sort(), ["prod-primary", "prod-secondary"]);
    for (const server of servers) {
      assert.equal(server.options.protect, true, `${server.name} protect`);
      for (const input of ["image", "userData", "sshKeys", "location"]) {
        assert.ok(server.options.ignoreChanges.includes(input), `${server.name} ignores ${input}`);
      }
      assert.equal(server.inputs.deleteProtection, true);
      assert.equal(server.inputs.rebuildProtection, true);
    }
  });

  it("keeps data volumes and addresses through any stack update", () => {
    const kept = plan.resources.filter((r) => r.type === "hcloud:index/volume:Volume" || r.type === "hcloud:index/primaryIp:PrimaryIp");
    assert.equal(kept.length, 6, "two volumes and four addresses");
    for (const r of kept) {
      assert.equal(r.options.protect, true, `${r.name} protect`);
      assert.equal(r.options.retainOnDelete, true, `${r.name} retainOnDelete`);
      assert.equal(r.inputs.deleteProtection, true, `${r.name} deleteProtection`);
    }
    for (const ip of ofType(plan, "hcloud:index/primaryIp:PrimaryIp")) assert.equal(ip.inputs.autoDelete, false);
  });

  it("gives each server a firewall: SSH from the admins' networks, web and ICMP from anywhere, nothing else", () => {
    const firewalls = ofType(plan, FIREWALL);
    assert.equal(firewalls.length, 2);
    const admins = stackDoc("Pulumi.prod.yaml").config["coop-mastodon:access"].sshAllowedFrom;
    for (const fw of firewalls) {
      const rules = fw.inputs.rules as { protocol: string; port?: string; sourceIps: string[] }[];
      assert.deepEqual(rules.map((r) => `${r.protocol}/${r.port ?? ""}`), ["tcp/22", "tcp/80", "tcp/443", "icmp/"]);
      assert.deepEqual(rules[0].sourceIps, admins);
    }
  });

  it("never opens PostgreSQL or Redis in any firewall rule", () => {
    for (const fw of ofType(plan, FIREWALL)) {
      for (const rule of fw.inputs.rules as { protocol: string; port?: string }[]) {
        for (const port of NEVER_OPEN_PORTS) assert.ok(!ruleCovers(rule, port), `${fw.name} opens ${port}`);
      }
    }
  });

  it("publishes social.coop on the primary and alpha and town on the secondary, names in full", () => {
    const records = ofType(plan, DNS_RECORD);
    const hosts = plan.outputs.hosts as Record<string, { ipv4: string; ipv6: string }>;
    const expected = [
      ["alpha.social.coop", "secondary"], ["social.coop", "primary"], ["town.social.coop", "secondary"],
    ];
    for (const [name, host] of expected) {
      const a = records.find((r) => r.inputs.name === name && r.inputs.type === "A");
      const aaaa = records.find((r) => r.inputs.name === name && r.inputs.type === "AAAA");
      assert.ok(a && aaaa, `A and AAAA for ${name}`);
      assert.equal(a.inputs.content, hosts[host].ipv4);
      assert.equal(aaaa.inputs.content, hosts[host].ipv6);
      assert.equal(a.options.protect, true);
    }
    assert.equal(records.length, 6);
  });

  it("deploys Mastodon at the pinned version", () => {
    const version = stackDoc("Pulumi.prod.yaml").config["coop-mastodon:instances"].main.version;
    assert.match(version, /^v4\.\d+\.\d+$/);
    assert.equal((plan.outputs.instances as Record<string, { version: string }>).main.version, version);
    const compose = readFileSync(path.join(out, "main", "docker-compose.yml"), "utf8");
    assert.ok(compose.includes(`image: ghcr.io/mastodon/mastodon:${version}`));
    assert.ok(compose.includes(`image: ghcr.io/mastodon/mastodon-streaming:${version}`));
    const deploy = named(plan, "main-deploy");
    assert.match(String(deploy.inputs.create), /^sudo coop-deploy apply main \/home\/deploy\/coop-staging\/main\/[0-9a-f]{16}$/);
  });

  it("writes the secrets files from stdin and shows them only as [secret]", () => {
    for (const name of ["main-env-secrets", "main-backup-secrets"]) {
      const r = named(plan, name);
      assert.equal(r.inputs.stdin, "[secret]");
      assert.equal(r.inputs.logging, "none");
    }
  });

  it("renders user data without secrets and without anything that changes with a Mastodon version", () => {
    const userData = readFileSync(path.join(out, "primary", "user-data.yaml"), "utf8");
    assert.ok(userData.startsWith("#cloud-config\n"));
    assert.doesNotMatch(userData, /SECRET|PASSWORD|PRIVATE KEY|v4\.\d+\.\d+/);
  });

  it("lists the secrets still to set as warnings", () => {
    assert.ok(plan.warnings.includes("secrets.main.SECRET_KEY_BASE: is not set yet; set it with: pulumi config set --secret --path 'secrets.main.SECRET_KEY_BASE'"));
  });
});

describe("a version bump", () => {
  it("changes only the deployment of the bumped instance", () => {
    const doc = stackDoc("Pulumi.prod.yaml");
    const before = planJson("prod", writeStack(doc));
    const after = planJson("prod", writeStack(doc, (c) => { c["coop-mastodon:instances"].main.version = "v4.6.8"; }));
    const index = (p: PlanJson) => new Map(p.resources.map((r) => [`${r.type}::${r.name}`, r]));
    const a = index(before);
    const b = index(after);
    assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), "same resources before and after");
    const changed = [...a.keys()].filter((k) => JSON.stringify(a.get(k)) !== JSON.stringify(b.get(k)));
    assert.ok(changed.includes("command:remote:Command::main-deploy"), "the deploy command changes");
    for (const key of changed) {
      const r = b.get(key)!;
      assert.equal(r.parent, "main", `${key} is outside the instance's deployment`);
      assert.ok(r.type === "command:remote:CopyToRemote" || r.type === "command:remote:Command", key);
    }
    assert.ok(!changed.some((k) => k.includes("secrets")), "secrets are not rewritten by a version bump");
  });
});

describe("alpha stack (Pulumi.alpha.yaml)", () => {
  let plan: PlanJson;
  let out: string;
  before(() => {
    out = tempDir();
    plan = planJson("alpha", undefined, out);
  });

  it("is Hometown restored from production, with federation and e-mail off", () => {
    const alpha = (plan.outputs.instances as Record<string, Record<string, unknown>>).alpha;
    assert.equal(alpha.flavor, "hometown");
    assert.equal(alpha.mode, "restored");
    assert.equal(alpha.federation, false);
    assert.equal(alpha.email, false);
    assert.equal(alpha.url, "https://alpha.social.coop");
  });

  it("renders settings that keep the copy from delivering or mailing", () => {
    const env = readFileSync(path.join(out, "alpha", ".env.production"), "utf8");
    for (const line of ["LOCAL_DOMAIN=social.coop", "WEB_DOMAIN=alpha.social.coop", "LIMITED_FEDERATION_MODE=true", "SMTP_DELIVERY_METHOD=test", "DISALLOW_UNAUTHENTICATED_API_ACCESS=true", "UPDATE_CHECK_URL="]) {
      assert.ok(env.split("\n").includes(line), `${line} in .env.production`);
    }
    const compose = readFileSync(path.join(out, "alpha", "docker-compose.yml"), "utf8");
    const sidekiq = compose.split("\n").find((l) => l.includes("bundle exec sidekiq"))!;
    for (const queue of ["push", "pull", "mailers"]) assert.ok(!sidekiq.includes(`-q ${queue}`), `sidekiq skips ${queue}`);
    assert.ok(compose.includes("build:"), "Hometown is built from its tag");
    assert.ok(compose.includes("hometown.git#v4.5.9+hometown-1.2.0"));
    assert.ok(compose.includes("image: coop-mastodon/hometown:v4.5.9-hometown-1.2.0"), "+ is mapped for the image tag");
  });

  it("reads production through a stack reference, creates no server, and restores production's backups", () => {
    const ref = ofType(plan, "pulumi:pulumi:StackReference");
    assert.deepEqual(ref.map((r) => r.inputs.name), ["organization/coop-mastodon/prod"]);
    assert.equal(ofType(plan, SERVER).length, 0);
    const restore = named(plan, "alpha-restore");
    assert.equal(restore.inputs.create, "sudo coop-restore alpha --snapshot latest --copy-web-domain alpha.social.coop");
    const env = readFileSync(path.join(out, "alpha-backup", "backup-alpha.env"), "utf8").split("\n");
    const prodRepository = (planJson("prod").outputs.backups as Record<string, { repository: string }>).main.repository;
    assert.ok(env.includes("SOURCE_INSTANCE=main"));
    assert.ok(env.includes(`RESTIC_REPOSITORY=${prodRepository}`), "the repository comes from production's outputs");
  });

  it("restores before it deploys", () => {
    assert.ok(named(plan, "alpha-deploy").options.dependsOn.includes("alpha-restore"));
  });
});

describe("trial and drill templates", () => {
  it("a trial stack protects nothing, so it is cheap to create and leaves nothing behind", () => {
    const plan = planJson("trial", "stacks/trial.template.yaml");
    assert.ok(plan.resources.every((r) => !r.options.protect && !r.options.retainOnDelete));
    assert.equal(ofType(plan, SERVER).length, 0, "runs on production's secondary");
  });

  it("a drill stack provisions an unprotected host like production's and runs the drill", () => {
    const plan = planJson("drill", "stacks/drill.template.yaml");
    const [server] = ofType(plan, SERVER);
    assert.equal(server.options.protect, false);
    assert.equal(server.options.deleteBeforeReplace, true);
    const prodPrimary = stackDoc("Pulumi.prod.yaml").config["coop-mastodon:hosts"].primary;
    assert.equal(server.inputs.serverType, prodPrimary.serverType);
    const drill = named(plan, "drill-drill");
    assert.match(String(drill.inputs.create), /coop-drill drill --report-dir/);
  });
});

describe("plan command line", () => {
  it("exits 2 with every error on stderr and nothing on stdout for an invalid config", () => {
    const file = writeStack(stackDoc("Pulumi.prod.yaml"), (c) => {
      c["coop-mastodon:instances"].main.version = "4.3";
      c["coop-mastodon:hosts"].primary.serverType = "cx22";
    });
    const run = runPlan(["prod", "--config-file", file, "--json"]);
    assert.equal(run.status, 2);
    assert.equal(run.stdout, "");
    assert.ok(run.stderr.includes('instances.main.version: "4.3" is not a release tag (expected vMAJOR.MINOR.PATCH)'));
    assert.ok(run.stderr.includes('hosts.primary.serverType: "cx22" was deprecated by Hetzner in October 2025 (use cx23)'));
  });

  it("redacts encrypted values and never prints them", () => {
    const file = writeStack(stackDoc("Pulumi.prod.yaml"), (c) => {
      c["coop-mastodon:secrets"] = { main: { SECRET_KEY_BASE: { secure: "v1:c2VjcmV0LWNpcGhlcnRleHQ=" } } };
    });
    const run = runPlan(["prod", "--config-file", file, "--json"]);
    assert.equal(run.status, 0, run.stderr);
    assert.ok(!run.stdout.includes("c2VjcmV0LWNpcGhlcnRleHQ"));
    const plan = JSON.parse(run.stdout) as PlanJson;
    assert.ok(!plan.warnings.some((w) => w.startsWith("secrets.main.SECRET_KEY_BASE")), "a set secret is not reported missing");
  });

  it("refuses secrets in clear text in a stack file", () => {
    const file = writeStack(stackDoc("Pulumi.prod.yaml"), (c) => {
      c["coop-mastodon:secrets"] = { main: { DB_PASS: "hunter2" } };
    });
    const run = runPlan(["prod", "--config-file", file]);
    assert.equal(run.status, 2);
    assert.ok(run.stderr.includes("secrets.main.DB_PASS: is in clear text in the stack file; remove it and set it with pulumi config set --secret --path 'secrets.main.DB_PASS'"));
    assert.ok(!run.stderr.includes("hunter2"));
  });

  describe("refuses what the stack file itself gets wrong, with exit 2 and one line each", () => {
    const cases: [string, string, (c: Record<string, any>) => void, string][] = [
      ["an infinite number", "prod", (c) => { c["coop-mastodon:hosts"].primary.volumeGb = Infinity; },
        'hosts.primary.volumeGb: "Infinity" must be a whole number from 0 to 10240'],
      ["a host the referenced stack does not have", "alpha", (c) => { c["coop-mastodon:instances"].alpha.host = "production.tertiary"; },
        'instances.alpha.host: "production.tertiary": stack organization/coop-mastodon/prod has no host tertiary'],
      ["an instance the referenced stack does not back up", "alpha", (c) => { c["coop-mastodon:instances"].alpha.restoreFrom = "production.nosuch"; },
        'instances.alpha.restoreFrom: "production.nosuch": stack organization/coop-mastodon/prod has no backed-up instance nosuch'],
      ["a stack that references itself", "alpha", (c) => { c["coop-mastodon:stackReferences"].production = "organization/coop-mastodon/alpha"; },
        'stackReferences.production: "organization/coop-mastodon/alpha" refers back to alpha; stack references must not form a cycle'],
      ["a reference to another project", "alpha", (c) => { c["coop-mastodon:stackReferences"].production = "organization/other/prod"; },
        'stackReferences.production: "organization/other/prod" is a stack of project other; a plan can only answer references to stacks of coop-mastodon'],
      ["a misspelt project namespace", "prod", (c) => { c["coop-mastodn:hosts"] = { x: 1 }; },
        'coop-mastodn:hosts: unknown namespace "coop-mastodn" (did you mean coop-mastodon?); settings of this program are written coop-mastodon:<key>'],
      ["a provider token in clear text", "prod", (c) => { c["hcloud:token"] = "x".repeat(64); },
        "hcloud:token: is a credential in clear text; remove it and export HCLOUD_TOKEN instead"],
      ["an encrypted value outside secrets", "prod", (c) => { c["coop-mastodon:instances"].main.smtp.login = { secure: "v1:abc" }; },
        "instances.main.smtp.login: is encrypted, but only values under secrets are kept secret; write it in clear text, or leave it out"],
      ["the same key twice", "prod", (c) => { c.hosts = c["coop-mastodon:hosts"]; },
        "hosts: is set twice (as coop-mastodon:hosts and as hosts); keep one"],
    ];
    for (const [title, stack, edit, expected] of cases) {
      it(title, () => {
        const base = stack === "alpha" ? "Pulumi.alpha.yaml" : "Pulumi.prod.yaml";
        const run = runPlan([stack, "--config-file", writeStack(stackDoc(base), edit), "--json"]);
        assert.equal(run.status, 2, run.stderr);
        assert.equal(run.stdout, "");
        assert.deepEqual(run.stderr.trim().split("\n").slice(1), [expected]);
      });
    }

    it("a file that cannot be read, reported alone", () => {
      const run = runPlan(["prod", "--config-file", "/nonexistent/Pulumi.x.yaml"]);
      assert.equal(run.status, 2);
      assert.deepEqual(run.stderr.trim().split("\n").slice(1), ["/nonexistent/Pulumi.x.yaml: cannot read the stack file (no such file)"]);
    });

    it("an empty option value", () => {
      const run = runPlan(["prod", "--config-file", ""]);
      assert.equal(run.status, 2);
      assert.match(run.stderr, /--config-file needs a value/);
    });
  });

  it("explains how to call it", () => {
    const run = runPlan([]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /usage: npm run plan -- <stack>/);
  });

  it("prints one JSON document with stack, project, resources, outputs and warnings", () => {
    const run = runPlan(["alpha", "--json"]);
    const doc = JSON.parse(run.stdout);
    assert.deepEqual(Object.keys(doc), ["stack", "project", "resources", "outputs", "warnings"]);
    assert.deepEqual(Object.keys(doc.resources[0]), ["type", "name", "parent", "inputs", "options"]);
  });
});
