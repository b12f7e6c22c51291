/**
 * The compose file of an instance: web, sidekiq and streaming on the host's network,
 * bound to loopback; nginx on the host is the only way in. Mastodon runs from its
 * official images; Hometown has none and is built from its release tag.
 */
import { stringify } from "yaml";
import { InstanceConfig } from "../config/types";
import { streamingPort, webPort } from "./layout";
import { imageTag, parseRelease, seriesFacts } from "./releases";

export const MASTODON_IMAGE = "ghcr.io/mastodon/mastodon";
export const MASTODON_STREAMING_IMAGE = "ghcr.io/mastodon/mastodon-streaming";
export const HOMETOWN_REPOSITORY = "https://github.com/hometown-fork/hometown.git";

/** Sidekiq queues Mastodon processes, in its own order of weight. */
export const ALL_QUEUES = ["default", "push", "ingress", "mailers", "pull", "scheduler", "fasp"];

/** push and pull talk to other servers; mailers sends e-mail. */
export function sidekiqQueues(inst: Pick<InstanceConfig, "federation" | "email">): string[] {
  return ALL_QUEUES.filter((q) => (inst.federation || (q !== "push" && q !== "pull")) && (inst.email || q !== "mailers"));
}

export interface Images {
  web: string;
  streaming: string;
  /** True when the images are built on the host rather than pulled. */
  built: boolean;
}

export function images(inst: Pick<InstanceConfig, "flavor" | "version">): Images {
  const tag = imageTag(inst.version);
  if (inst.flavor === "mastodon") {
    return { web: `${MASTODON_IMAGE}:${tag}`, streaming: `${MASTODON_STREAMING_IMAGE}:${tag}`, built: false };
  }
  return { web: `coop-mastodon/hometown:${tag}`, streaming: `coop-mastodon/hometown-streaming:${tag}`, built: true };
}

export function envFiles(inst: Pick<InstanceConfig, "mode">): string[] {
  // Later files win: the copy's overrides (written by coop-restore) come last.
  return inst.mode === "restored" ? [".env.secrets", ".env.production", ".env.copy"] : [".env.secrets", ".env.production"];
}

export function renderCompose(name: string, inst: InstanceConfig): string {
  const release = parseRelease(inst.version)!;
  const facts = seriesFacts(release)!;
  const img = images(inst);
  const common = {
    restart: "unless-stopped",
    network_mode: "host",
    env_file: envFiles(inst),
  };
  const build = img.built ? { context: `${HOMETOWN_REPOSITORY}#${inst.version}` } : undefined;
  const web = {
    ...common,
    image: img.web,
    ...(build ? { build, pull_policy: "build" } : {}),
    command: "bundle exec puma -C config/puma.rb",
    environment: { PORT: String(webPort(inst.portBase)) },
    healthcheck: {
      test: ["CMD-SHELL", `curl -s --noproxy localhost localhost:${webPort(inst.portBase)}/health | grep -q OK || exit 1`],
      interval: "30s",
      retries: 3,
    },
    volumes: ["./public/system:/mastodon/public/system"],
  };
  const streaming = {
    ...common,
    image: facts.separateStreamingImage ? img.streaming : img.web,
    ...(build && facts.separateStreamingImage ? { build: { ...build, dockerfile: "streaming/Dockerfile" }, pull_policy: "build" } : {}),
    ...(build && !facts.separateStreamingImage ? { pull_policy: "never" } : {}),
    command: facts.separateStreamingImage ? "node ./streaming/index.js" : "node ./streaming",
    environment: { PORT: String(streamingPort(inst.portBase)) },
    healthcheck: {
      test: ["CMD-SHELL", `curl -s --noproxy localhost localhost:${streamingPort(inst.portBase)}/api/v1/streaming/health | grep -q OK || exit 1`],
      interval: "30s",
      retries: 3,
    },
  };
  const sidekiq = {
    ...common,
    image: img.web,
    // Built once, for web; sidekiq runs the same image.
    ...(build ? { pull_policy: "never" } : {}),
    command: `bundle exec sidekiq ${sidekiqQueues(inst).map((q) => `-q ${q}`).join(" ")}`,
    volumes: ["./public/system:/mastodon/public/system"],
  };
  const doc = { name: `mastodon-${name}`, services: { web, streaming, sidekiq } };
  return `# Rendered by coop-mastodon for instance ${name} (${inst.flavor} ${inst.version}). Do not edit on the host.\n${stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
