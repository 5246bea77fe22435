// Another service: verifies the app's signed tokens with plain jose and the published JWKS alone.
// It cannot see revocations: a revoked token stays valid here until its `exp` (at most the ttl).
import { createRemoteJWKSet, jwtVerify } from "jose";

export function createVerifier(jwksUrl: URL) {
  const keys = createRemoteJWKSet(jwksUrl); // fetched once, cached, refetched for an unknown kid

  return async function userOf(request: Request): Promise<string | undefined> {
    const token = /^Bearer (\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
    if (token === undefined) return undefined;
    try {
      const { payload } = await jwtVerify(token, keys, {
        algorithms: ["EdDSA"], // pinned: never "none", never HS256 keyed with the public key
        issuer: "my-app",
        audience: "my-api",
        typ: "sealed-session+jwt", // not some other JWT signed by the same key
        clockTolerance: 5,
      });
      return payload.sub;
    } catch {
      return undefined;
    }
  };
}
