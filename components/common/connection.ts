import * as pulumi from "@pulumi/pulumi";

/**
 * How Pulumi reaches a host over SSH: as the deploy user, with keys from the operator's
 * SSH agent, so no private key is ever stored in a stack file or in state.
 */
export interface HostConnection {
  host: pulumi.Input<string>;
  user: string;
  agentSocketPath?: string;
}

export function sshConnection(host: pulumi.Input<string>, user: string): HostConnection {
  return { host, user, agentSocketPath: process.env.SSH_AUTH_SOCK };
}
