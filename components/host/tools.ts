import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { HostConnection } from "../common/connection";
import { stageFiles } from "../common/remote-files";
import { hostScript, hostScriptNames } from "../common/scripts";

export interface HostToolsArgs {
  connection: HostConnection;
  deployUser: string;
}

/**
 * Installs this repository's host scripts (scripts/host/) into /usr/local/sbin, where
 * deployments, backups, restores and drills call them. A changed script is installed
 * again; nothing else is touched.
 */
export class HostTools extends pulumi.ComponentResource {
  constructor(name: string, args: HostToolsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("coop:host:HostTools", name, {}, opts);
    const scripts = hostScriptNames();
    const files = Object.fromEntries(scripts.map((s) => [s, hostScript(s)]));
    const staged = stageFiles(`${name}-stage`, files, `/home/${args.deployUser}/coop-staging/tools`, args.connection, { parent: this });
    new command.remote.Command(`${name}-install`, {
      connection: args.connection,
      create: pulumi.interpolate`cd ${staged.dir} && sudo install -m 0755 ${scripts.join(" ")} /usr/local/sbin/`,
      triggers: [staged.hash],
    }, { parent: this, dependsOn: staged.copies });
    this.registerOutputs({});
  }
}
