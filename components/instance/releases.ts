/**
 * What each Mastodon minor series needs and how long it is supported. Hometown tags
 * carry the Mastodon release they are based on; requirements follow that base.
 * Source: Mastodon release notes and security policy (see docs/upgrading.md).
 */

export interface Release {
  major: number;
  minor: number;
  patch: number;
  /** Hometown's own version, e.g. "1.2.0"; undefined for Mastodon. */
  hometown?: string;
}

export interface SeriesFacts {
  minPostgres: number;
  minRedis: number;
  /** Last day of security fixes (ISO date); undefined while supported with no end announced. */
  supportEnds?: string;
  /** 4.3+: streaming ships as its own image. */
  separateStreamingImage: boolean;
  /** 4.3+: the three ACTIVE_RECORD_ENCRYPTION_* keys are required. */
  needsRecordEncryptionKeys: boolean;
  /** ≤ 4.3: OTP_SECRET is used; removed in 4.4. */
  usesOtpSecret: boolean;
}

const SERIES: Record<string, SeriesFacts> = {
  "4.3": { minPostgres: 12, minRedis: 4, supportEnds: "2026-05-06", separateStreamingImage: true, needsRecordEncryptionKeys: true, usesOtpSecret: true },
  "4.4": { minPostgres: 13, minRedis: 6.2, supportEnds: "2026-12-17", separateStreamingImage: true, needsRecordEncryptionKeys: true, usesOtpSecret: false },
  "4.5": { minPostgres: 14, minRedis: 7.0, supportEnds: "2027-02-20", separateStreamingImage: true, needsRecordEncryptionKeys: true, usesOtpSecret: false },
  "4.6": { minPostgres: 14, minRedis: 7.0, separateStreamingImage: true, needsRecordEncryptionKeys: true, usesOtpSecret: false },
  "4.7": { minPostgres: 14, minRedis: 7.0, separateStreamingImage: true, needsRecordEncryptionKeys: true, usesOtpSecret: false },
};

export const KNOWN_SERIES = Object.keys(SERIES);

export function parseRelease(tag: string): Release | undefined {
  const m = /^v(\d+)\.(\d+)\.(\d+)(?:\+hometown-(\d+\.\d+\.\d+))?$/.exec(tag);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), hometown: m[4] };
}

export function seriesOf(release: Release): string {
  return `${release.major}.${release.minor}`;
}

export function seriesFacts(release: Release): SeriesFacts | undefined {
  return SERIES[seriesOf(release)];
}

/** Container image tags cannot hold "+": v4.5.9+hometown-1.2.0 → v4.5.9-hometown-1.2.0. */
export function imageTag(tag: string): string {
  return tag.replace(/\+/g, "-");
}

/** Minor series an upgrade from `from` to `to` must pass through, in order (both ends excluded). */
export function seriesBetween(from: Release, to: Release): string[] {
  const known = KNOWN_SERIES.map((s) => s.split(".").map(Number));
  return known
    .filter(([ma, mi]) => (ma > from.major || (ma === from.major && mi > from.minor)) && (ma < to.major || (ma === to.major && mi < to.minor)))
    .map(([ma, mi]) => `${ma}.${mi}`);
}
