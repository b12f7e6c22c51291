/**
 * Answers Pulumi's mock runtime the way the clouds would, with placeholder values that
 * are visibly not real: documentation address ranges, numeric Hetzner ids.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";

export interface DeclaredResource {
  type: string;
  name: string;
  /** Name of the component this resource belongs to; null at the top level. */
  parent: string | null;
  /** Type of that component: two components may share a name (host and instance "drill"). */
  parentType?: string;
  inputs: Record<string, unknown>;
  options: {
    protect: boolean;
    ignoreChanges: string[];
    deleteBeforeReplace: boolean;
    retainOnDelete: boolean;
    dependsOn: string[];
  };
}

function small(name: string, modulo: number): number {
  return (createHash("sha256").update(name).digest().readUInt32BE(0) % modulo) + 1;
}

/** Outputs of referenced stacks, by stack name. */
export type ReferencedOutputs = Record<string, Record<string, unknown>>;

export function planMocks(referenced: ReferencedOutputs, zoneIds: Record<string, string> = {}): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      const state: Record<string, unknown> = { ...args.inputs };
      const n = small(args.name, 250);
      switch (args.type) {
        case "hcloud:index/primaryIp:PrimaryIp":
          state.ipAddress = args.inputs.type === "ipv6" ? `2001:db8:${n.toString(16)}::/64` : `192.0.2.${n}`;
          return { id: String(1000 + n), state };
        case "hcloud:index/server:Server":
          state.ipv4Address = `192.0.2.${n}`;
          state.ipv6Address = `2001:db8:${n.toString(16)}::1`;
          state.status = "running";
          return { id: String(2000 + n), state };
        case "hcloud:index/volume:Volume":
          state.linuxDevice = `/dev/disk/by-id/scsi-0HC_Volume_${3000 + n}`;
          return { id: String(3000 + n), state };
        case "pulumi:pulumi:StackReference": {
          const name = String(args.inputs.name);
          const outputs = referenced[name];
          if (!outputs) throw new Error(`stack reference ${name}: no plan of that stack was given`);
          return { id: name, state: { name, outputs, secretOutputNames: [] } };
        }
        case "command:remote:Command":
          // Commands never run in a plan; their output is unknown, like in a preview.
          return { id: `${args.name}-id`, state: { ...state, stdout: "", stderr: "" } };
        case "random:index/randomBytes:RandomBytes":
          return { id: `${args.name}-id`, state: { ...state, hex: "00".repeat(Number(args.inputs.length)), base64: "" } };
        case "random:index/randomPassword:RandomPassword":
          return { id: `${args.name}-id`, state: { ...state, result: "x".repeat(Number(args.inputs.length)) } };
        case "tls:index/privateKey:PrivateKey":
          return { id: `${args.name}-id`, state: { ...state, privateKeyPem: PLAN_EC_KEY } };
        default:
          // hcloud ids are numbers; a numeric id suits every other resource as well.
          return { id: args.type.startsWith("hcloud:") ? String(4000 + n) : `${args.name}-id`, state };
      }
    },
    call(args) {
      switch (args.token) {
        case "cloudflare:index/getZone:getZone": {
          const zone = String(args.inputs.filter?.name ?? "");
          return { id: zoneIds[zone] ?? `zone-id-of-${zone}`, zoneId: zoneIds[zone] ?? `zone-id-of-${zone}`, name: zone };
        }
        case "hcloud:index/getSshKey:getSshKey":
          return { id: 5000 + small(String(args.inputs.name), 250), name: args.inputs.name, publicKey: "", fingerprint: "" };
        default:
          return args.inputs;
      }
    },
  };
}

/** A fixed P-256 key used only in plans, so VAPID rendering runs; it is no one's key. */
const PLAN_EC_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgejeavt0sOxhOlaqv
/n+xg+jpvYrf7xSu0egLf9fu5T6hRANCAAReZpP5PZ53b0Xt6/qT/gCu1haCOA/m
bubdACveu50tSCorNKsYvXd0xssAO6WHUD8BNwB4hykNPvbtJFLT0zsc
-----END PRIVATE KEY-----
`;
