/**
 * What goes to the hosts, rendered by pure functions and checked with the programs that
 * will read it: cloud-init's schema check, nginx -t, systemd-analyze, a YAML parser.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { renderBackupEnv, renderUnits } from "../components/backup/render";
import { BACKUP_DEFAULTS } from "../components/config/defaults";
import { InstanceConfig } from "../components/config/types";
import { renderBootstrap } from "../components/host/cloud-init";
import { OS_FACTS, SUPPORTED_IMAGES } from "../components/host/os";
import { images, renderCompose, sidekiqQueues } from "../components/instance/compose";
import { renderEnvProduction, renderEnvSecrets } from "../components/instance/environment";
import { renderMaintenancePage, renderNginxSite } from "../components/instance/nginx-site";
import { imageTag } from "../components/instance/releases";
import { vapidKeysFromPem } from "../components/instance/vapid";
import { REPO_ROOT } from "../components/common/scripts";
import { tempDir } from "./helpers/plan";

const admins = [{ name: "ada", sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBRvvFKvGuIQqBuwixKrYcDgnQ5CivQnMgqCiM9GJV8J ada" }];

function instance(overrides: Partial<InstanceConfig> = {}): InstanceConfig {
  return {
    flavor: "mastodon", version: "v4.5.9", host: { host: "primary" }, domain: "social.coop", webDomain: "social.coop",
    mode: "live", federation: true, email: true, registrations: "approved", drill: false, portBase: 3000, redisDb: 0,
    smtp: { server: "smtp.social.coop", port: 587, login: "n@social.coop", fromAddress: "n@social.coop" },
    ...overrides,
  };
}

describe("bootstrap user data", () => {
  for (const image of SUPPORTED_IMAGES) {
    it(`passes cloud-init's schema check (${image})`, () => {
      const file = path.join(tempDir(), "user-data.yaml");
      writeFileSync(file, renderBootstrap({ admins, deployUser: "deploy", os: OS_FACTS[image] }));
      const run = spawnSync("cloud-init", ["schema", "--config-file", file], { encoding: "utf8" });
      assert.equal(run.status, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /Valid cloud-config/);
    });
  }

  it("creates the admins and the deploy user, hardens SSH, and installs what the hosts need", () => {
    const doc = parse(renderBootstrap({ admins, deployUser: "deploy", os: OS_FACTS["debian-13"] }));
    assert.deepEqual(doc.users.map((u: { name: string }) => u.name), ["ada", "deploy"]);
    assert.equal(doc.ssh_pwauth, false);
    assert.equal(doc.disable_root, true);
    const sshd = doc.write_files.find((f: { path: string }) => f.path.startsWith("/etc/ssh/sshd_config.d/"));
    assert.match(sshd.content, /^PasswordAuthentication no$/m);
    assert.match(sshd.content, /^PermitRootLogin no$/m);
    for (const pkg of ["unattended-upgrades", "docker.io", "postgresql-17", "redis-server", "nginx", "certbot", "restic"]) {
      assert.ok(doc.packages.includes(pkg), pkg);
    }
  });
});

describe("bootstrap PostgreSQL access", () => {
  it("maps root to postgres and keeps other local logins as they were", () => {
    const doc = parse(renderBootstrap({ admins, deployUser: "deploy", os: OS_FACTS["debian-12"] }));
    const command: string = doc.runcmd.find((c: string[]) => c[0] === "sh" && c[2].includes("pg_ident"))[2];
    const dir = tempDir();
    writeFileSync(path.join(dir, "pg_hba.conf"), [
      "local   all             postgres                                peer",
      "local   all             all                                     peer",
      "host    all             all             127.0.0.1/32            scram-sha-256",
    ].join("\n") + "\n");
    writeFileSync(path.join(dir, "pg_ident.conf"), "");
    const local = command.replaceAll("/etc/postgresql/15/main", dir).replace(" && systemctl reload postgresql", "");
    execFileSync("sh", ["-c", local]);
    assert.equal(readFileSync(path.join(dir, "pg_hba.conf"), "utf8").split("\n").filter((l) => l.endsWith("peer map=coop")).length, 2);
    assert.ok(readFileSync(path.join(dir, "pg_hba.conf"), "utf8").includes("127.0.0.1/32            scram-sha-256"));
    assert.equal(readFileSync(path.join(dir, "pg_ident.conf"), "utf8"), "coop /^(.*)$ \\1\ncoop root postgres\n");
  });
});

describe("reverse-proxy site", () => {
  it("is accepted by nginx -t, maintenance switch included", () => {
    const dir = tempDir();
    const tls = path.join(dir, "tls");
    mkdirSync(tls);
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path.join(tls, "privkey.pem"), "-out", path.join(tls, "fullchain.pem"), "-days", "1", "-subj", "/CN=social.coop"], { stdio: "ignore" });
    const site = renderNginxSite("main", instance(), { tlsDir: tls, appDir: path.join(dir, "app") });
    writeFileSync(path.join(dir, "site.conf"), site);
    writeFileSync(path.join(dir, "nginx.conf"), `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n  include ${dir}/site.conf;\n}\n`);
    const run = spawnSync("nginx", ["-t", "-c", path.join(dir, "nginx.conf"), "-p", dir], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    assert.ok(site.includes(`if (-f ${dir}/app/maintenance/on)`));
    assert.ok(site.includes("proxy_pass http://mastodon_main_streaming;"));
    assert.ok(site.includes("server 127.0.0.1:3001 fail_timeout=0;"));
  });

  it("names its maintenance page after the site", () => {
    assert.match(renderMaintenancePage({ webDomain: "alpha.social.coop" }), /<h1>alpha\.social\.coop is being upgraded<\/h1>/);
  });
});

describe("compose file", () => {
  it("runs the official images of the pinned version for Mastodon", () => {
    const doc = parse(renderCompose("main", instance()));
    assert.equal(doc.services.web.image, "ghcr.io/mastodon/mastodon:v4.5.9");
    assert.equal(doc.services.sidekiq.image, "ghcr.io/mastodon/mastodon:v4.5.9");
    assert.equal(doc.services.streaming.image, "ghcr.io/mastodon/mastodon-streaming:v4.5.9");
    assert.equal(doc.services.web.network_mode, "host");
    assert.deepEqual(doc.services.web.env_file, [".env.secrets", ".env.production"]);
    assert.equal(doc.services.web.environment.PORT, "3000");
    assert.equal(doc.services.streaming.environment.PORT, "3001");
  });

  it("builds Hometown from its tag, with + mapped away in image tags", () => {
    const doc = parse(renderCompose("alpha", instance({ flavor: "hometown", version: "v4.5.9+hometown-1.2.0", mode: "restored", federation: false, email: false })));
    assert.equal(doc.services.web.build.context, "https://github.com/hometown-fork/hometown.git#v4.5.9+hometown-1.2.0");
    assert.equal(doc.services.web.image, "coop-mastodon/hometown:v4.5.9-hometown-1.2.0");
    assert.equal(doc.services.streaming.build.dockerfile, "streaming/Dockerfile");
    assert.equal(doc.services.sidekiq.pull_policy, "never");
    assert.deepEqual(doc.services.web.env_file, [".env.secrets", ".env.production", ".env.copy"]);
    assert.ok(!/\+/.test(doc.services.web.image) && !/\+/.test(doc.services.streaming.image));
  });

  it("leaves out the queues that talk to other servers or send mail when those are off", () => {
    assert.deepEqual(sidekiqQueues({ federation: true, email: true }), ["default", "push", "ingress", "mailers", "pull", "scheduler", "fasp"]);
    assert.deepEqual(sidekiqQueues({ federation: false, email: false }), ["default", "ingress", "scheduler", "fasp"]);
    assert.deepEqual(sidekiqQueues({ federation: true, email: false }), ["default", "push", "ingress", "pull", "scheduler", "fasp"]);
  });

  it("maps every + of a tag, and nothing else", () => {
    assert.equal(imageTag("v4.5.9+hometown-1.2.0"), "v4.5.9-hometown-1.2.0");
    assert.equal(imageTag("v4.5.9"), "v4.5.9");
    assert.equal(images({ flavor: "mastodon", version: "v4.7.6" }).built, false);
  });
});

describe("environment files", () => {
  it("keeps secrets out of .env.production", () => {
    const env = renderEnvProduction("main", instance());
    assert.doesNotMatch(env, /SECRET_KEY_BASE|OTP_SECRET|VAPID|ACTIVE_RECORD|DB_PASS|SMTP_PASSWORD/);
    assert.ok(env.includes("\nDB_NAME=mastodon_main\n"));
    assert.ok(env.includes("\nLIMITED_FEDERATION_MODE=false\n"));
  });

  it("turns federation and e-mail off for a copy", () => {
    const env = renderEnvProduction("alpha", instance({ mode: "restored", federation: false, email: false, webDomain: "alpha.social.coop" }));
    for (const line of ["LIMITED_FEDERATION_MODE=true", "AUTHORIZED_FETCH=true", "SMTP_DELIVERY_METHOD=test", "SMTP_SERVER=", "DISALLOW_UNAUTHENTICATED_API_ACCESS=true"]) {
      assert.ok(env.split("\n").includes(line), line);
    }
  });

  it("writes secrets one per line and refuses multi-line values", () => {
    assert.equal(renderEnvSecrets({ SECRET_KEY_BASE: "abc", DB_PASS: "d", RESTIC_PASSWORD: "not-app" }), "SECRET_KEY_BASE=abc\nDB_PASS=d\n");
    assert.throws(() => renderEnvSecrets({ DB_PASS: "a\nb" }), /DB_PASS must be a single line/);
  });
});

describe("backup settings and timers", () => {
  it("are accepted by systemd-analyze verify", () => {
    const dir = tempDir();
    const units = renderUnits("main", { schedule: "hourly", checkSchedule: "Sun *-*-* 04:00:00" }, path.join(REPO_ROOT, "scripts", "host"));
    for (const [name, text] of Object.entries(units)) writeFileSync(path.join(dir, name), text);
    const run = spawnSync("systemd-analyze", ["verify", "--man=no", ...Object.keys(units).filter((u) => u.endsWith(".timer")).map((u) => path.join(dir, u))], { encoding: "utf8" });
    assert.equal(run.stderr.trim(), "", run.stderr);
    assert.equal(run.status, 0);
  });

  it("name the source instance for a copy, and hold no secret", () => {
    const env = renderBackupEnv({ instance: "alpha", sourceInstance: "main", repository: "s3:https://fsn1.your-objectstorage.com/b/main", redisDb: 1 }, BACKUP_DEFAULTS);
    assert.ok(env.includes("\nSOURCE_INSTANCE=main\n"));
    assert.ok(env.includes("\nPGDATABASE=mastodon_alpha\n"));
    assert.doesNotMatch(env, /PASSWORD|SECRET/);
  });
});

describe("VAPID keys", () => {
  it("are derived in Mastodon's format from a P-256 key", () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    const keys = vapidKeysFromPem(pem);
    assert.match(keys.privateKey, /^[A-Za-z0-9_-]{43}=$/);
    assert.match(keys.publicKey, /^[A-Za-z0-9_-]{87}=$/);
    const raw = Buffer.from(keys.publicKey.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    const jwk = createPublicKey(pem).export({ format: "jwk" });
    assert.equal(raw[0], 4);
    assert.equal(raw.subarray(1, 33).toString("base64url"), jwk.x);
  });
});
