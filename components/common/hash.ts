import { createHash } from "node:crypto";

/** Short content hash used as a deployment trigger: same files, same hash, no redeploy. */
export function contentHash(...parts: string[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex").slice(0, 16);
}
