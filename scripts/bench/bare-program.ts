/**
 * The baseline for bench:plan: Pulumi's mock runtime with a program of one resource,
 * and nothing else. What remains of plan's time beyond this is ours.
 */
import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";

async function main(): Promise<void> {
  await pulumi.runtime.setMocks({
    newResource: (args) => ({ id: "1", state: args.inputs }),
    call: (args) => args.inputs,
  }, "bare", "bench", true);
  await pulumi.runtime.runInPulumiStack(async () => {
    const server = new hcloud.Server("bare", { serverType: "cx23", image: "debian-13", location: "nbg1" });
    return { id: server.id };
  });
  await pulumi.runtime.disconnect();
}

main().then(() => process.exit(0));
