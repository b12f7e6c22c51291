import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { HostConnection } from "./connection";
import { contentHash } from "./hash";

export interface StagedFiles {
  /** Directory on the host holding this set of files; named by their content hash. */
  dir: pulumi.Output<string>;
  hash: pulumi.Output<string>;
  copies: command.remote.CopyToRemote[];
}

/**
 * Copies non-secret files to a staging directory named by their content hash, so the
 * same files always land in the same place and a changed file means a new directory.
 * Nothing is installed here: the command that uses the staged files does that.
 */
export function stageFiles(
  prefix: string,
  files: Record<string, pulumi.Input<string>>,
  stagingRoot: string,
  connection: HostConnection,
  opts: pulumi.CustomResourceOptions,
): StagedFiles {
  const names = Object.keys(files).sort();
  const hash = pulumi.all(names.map((n) => files[n])).apply((texts) => contentHash(...names.flatMap((n, i) => [n, texts[i]])));
  const dir = pulumi.interpolate`${stagingRoot}/${hash}`;
  const copies = names.map((file) =>
    new command.remote.CopyToRemote(`${prefix}-${file.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "")}`, {
      connection,
      source: pulumi.output(files[file]).apply((text) => new pulumi.asset.StringAsset(text)),
      remotePath: pulumi.interpolate`${dir}/${file}`,
      triggers: [pulumi.output(files[file]).apply((text) => contentHash(text))],
    }, opts),
  );
  return { dir, hash, copies };
}

/** Writes a secret file over SSH from stdin: its content never appears in a command line,
 * in logs or in the plan. */
export function writeSecretFile(
  name: string,
  content: pulumi.Output<string>,
  remotePath: string,
  connection: HostConnection,
  opts: pulumi.CustomResourceOptions,
): command.remote.Command {
  return new command.remote.Command(name, {
    connection,
    create: `sudo install -D -m 0600 -o root -g root /dev/stdin ${remotePath}`,
    delete: `sudo rm -f ${remotePath}`,
    stdin: pulumi.secret(content),
    logging: "none",
  }, { ...opts, additionalSecretOutputs: ["stdin", "stdout", "stderr"] });
}
