/** Where an instance's files live on its host (see docs/host-layout.md). */
export function appDir(instance: string): string {
  return `/srv/mastodon/${instance}`;
}

export function databaseName(instance: string): string {
  return `mastodon_${instance.replace(/-/g, "_")}`;
}

export function webPort(portBase: number): number {
  return portBase;
}

export function streamingPort(portBase: number): number {
  return portBase + 1;
}
