/**
 * Entry point of the Pulumi program: read and check this stack's config, then declare
 * it. See README.md for the workflow and Pulumi.yaml for every setting.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./components/config/load";
import { InstanceSecrets } from "./components/config/types";
import { declareStack } from "./components/stack";

const { config, warnings } = loadStackConfig();
for (const w of warnings) pulumi.log.warn(`${w.path}: ${w.message}`);

const secrets: pulumi.Output<Record<string, InstanceSecrets>> =
  new pulumi.Config().getSecretObject<Record<string, InstanceSecrets>>("secrets") ?? pulumi.secret({} as Record<string, InstanceSecrets>);
const stack = declareStack(pulumi.getStack(), config, secrets);

export const hosts = stack.hosts;
export const instances = stack.instances;
export const backups = stack.backups;
export const dnsNames = stack.dnsNames;
export const drillReports = stack.drillReports;
