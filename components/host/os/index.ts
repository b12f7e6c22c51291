/**
 * What differs between the host images we bootstrap. Everything OS-specific lives here,
 * so supporting a new Debian release is one entry.
 */
import { SupportedImage } from "../../config/types";

export interface OsFacts {
  image: SupportedImage;
  postgresMajor: number;
  redisVersion: number;
  /** Debian 12 ships only Compose v1 (docker-compose); Debian 13 ships Compose v2. */
  composeCommand: string;
  packages: string[];
}

const COMMON_PACKAGES = [
  "unattended-upgrades",
  "apt-listchanges",
  "docker.io",
  "docker-compose",
  "redis-server",
  "nginx",
  "certbot",
  "restic",
  "jq",
  "curl",
  "rsync",
];

export const OS_FACTS: Record<SupportedImage, OsFacts> = {
  "debian-12": {
    image: "debian-12",
    postgresMajor: 15,
    redisVersion: 7.0,
    composeCommand: "docker-compose",
    packages: ["postgresql-15", "postgresql-client-15", ...COMMON_PACKAGES],
  },
  "debian-13": {
    image: "debian-13",
    postgresMajor: 17,
    redisVersion: 8.0,
    composeCommand: "docker compose",
    packages: ["postgresql-17", "postgresql-client-17", ...COMMON_PACKAGES],
  },
};

export const SUPPORTED_IMAGES = Object.keys(OS_FACTS) as SupportedImage[];
