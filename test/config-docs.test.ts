/** Pulumi.yaml documents every setting the program accepts, with the program's defaults. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "../components/common/scripts";
import { ACCESS_DEFAULTS, BACKUP_DEFAULTS, DNS_DEFAULTS, HOST_DEFAULTS, INSTANCE_DEFAULTS, SMTP_DEFAULTS } from "../components/config/defaults";
import { SECRET_NAMES } from "../components/config/types";
import * as v from "../components/config/validate";

const docs = readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8");
/** The documentation line of a setting: "#   key   type, default …". */
function line(key: string): string {
  const found = docs.split("\n").find((l) => new RegExp(`^#\\s+${key}\\s`).test(l) || new RegExp(`^# ${key} \\(`).test(l));
  assert.ok(found, `Pulumi.yaml documents ${key}`);
  return found;
}

describe("Pulumi.yaml", () => {
  it("documents every key the program accepts", () => {
    const keys = [...v.TOP_LEVEL_KEYS, ...v.ACCESS_KEYS, ...v.HOST_KEYS, ...v.DNS_KEYS, ...v.INSTANCE_KEYS, ...v.BACKUP_KEYS, ...SECRET_NAMES];
    for (const key of keys) assert.match(docs, new RegExp(`\\b${key}\\b`), key);
    for (const key of [...v.ADMIN_KEYS, ...v.RETENTION_KEYS, ...v.SMTP_KEYS]) assert.match(docs, new RegExp(`\\b${key}\\b`), key);
  });

  it("states the program's defaults", () => {
    const expected: [string, string][] = [
      ["deployUser", `default "${ACCESS_DEFAULTS.deployUser}"`],
      ["serverType", `default "${HOST_DEFAULTS.serverType}"`],
      ["location", `default "${HOST_DEFAULTS.location}"`],
      ["image", `default "${HOST_DEFAULTS.image}"`],
      ["volumeGb", `default ${HOST_DEFAULTS.volumeGb}`],
      ["ttl", `default ${DNS_DEFAULTS.ttl}`],
      ["proxied", `default ${DNS_DEFAULTS.proxied}`],
      ["mode", `default ${INSTANCE_DEFAULTS.mode}`],
      ["registrations", `default ${INSTANCE_DEFAULTS.registrations}`],
      ["portBase", `default ${INSTANCE_DEFAULTS.portBase}`],
      ["redisDb", `default ${INSTANCE_DEFAULTS.redisDb}`],
      ["schedule", `default "${BACKUP_DEFAULTS.schedule}"`],
      ["checkSchedule", `default "${BACKUP_DEFAULTS.checkSchedule}"`],
      ["checkSubset", `default "${BACKUP_DEFAULTS.checkSubset}"`],
      ["pgJobs", `default ${BACKUP_DEFAULTS.pgJobs}`],
    ];
    for (const [key, text] of expected) assert.ok(line(key).includes(text), `${key}: ${text}`);
    const r = BACKUP_DEFAULTS.retention;
    assert.ok(line("retention").includes(`${r.hourly}/${r.daily}/${r.weekly}/${r.monthly}`));
    assert.ok(line("smtp").includes(`port (default ${SMTP_DEFAULTS.port})`));
  });
});
