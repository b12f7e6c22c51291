import { createPrivateKey } from "node:crypto";

/**
 * Web-push (VAPID) keys in the form Mastodon reads: URL-safe base64 with padding of the
 * raw P-256 private scalar and of the uncompressed public point.
 */
export function vapidKeysFromPem(pem: string): { privateKey: string; publicKey: string } {
  const jwk = createPrivateKey(pem).export({ format: "jwk" });
  if (jwk.crv !== "P-256" || !jwk.d || !jwk.x || !jwk.y) throw new Error("VAPID keys need an EC P-256 private key");
  const raw = (b64url: string) => Buffer.from(b64url, "base64url");
  const publicPoint = Buffer.concat([Buffer.from([4]), raw(jwk.x), raw(jwk.y)]);
  const encode = (b: Buffer) => b.toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
  return { privateKey: encode(raw(jwk.d)), publicKey: encode(publicPoint) };
}
