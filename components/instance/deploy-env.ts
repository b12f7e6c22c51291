/**
 * deploy.env: what scripts/host/coop-deploy needs to know about a deployment. It is read
 * as KEY=VALUE lines, never executed; coop-deploy accepts exactly these keys.
 */
import { InstanceConfig } from "../config/types";
import { images } from "./compose";
import { databaseName, streamingPort, webPort } from "./layout";

export function renderDeployEnv(name: string, inst: InstanceConfig, adminEmail: string, backedUp: boolean): string {
  const lines: [string, string | number][] = [
    ["INSTANCE", name],
    ["FLAVOR", inst.flavor],
    ["VERSION", inst.version],
    ["MODE", inst.mode],
    ["WEB_DOMAIN", inst.webDomain],
    ["WEB_PORT", webPort(inst.portBase)],
    ["STREAMING_PORT", streamingPort(inst.portBase)],
    ["DB_NAME", databaseName(name)],
    ["DB_USER", databaseName(name)],
    ["REDIS_DB", inst.redisDb],
    // tootctl's word for closed registrations is "close".
    ["REGISTRATIONS", inst.registrations === "closed" ? "close" : inst.registrations],
    ["BUILD_IMAGES", images(inst).built ? 1 : 0],
    ["BACKUP_BEFORE_UPGRADE", backedUp ? 1 : 0],
    ["ADMIN_EMAIL", adminEmail],
    // A drill has no public name to get a certificate for.
    ["TLS", inst.drill ? "self-signed" : "letsencrypt"],
  ];
  return lines.map(([k, v]) => `${k}=${v}`).join("\n") + "\n";
}
