import { EncryptJWT, SignJWT } from "jose";
import { ConfigError, SessionDestroyedError } from "../errors.ts";
import { b64u, randomBytes } from "../lib/bytes.ts";
import { toJson } from "../lib/json.ts";
import { signingKeys, type TokenConfig } from "./config.ts";
import { withLowS } from "./ecdsa.ts";
import type { IssuedToken, RegisteredClaims, TokenSource } from "./types.ts";

/**
 * Issues a bearer token from a logged-in session: registered claims, plus only the custom claims
 * the app listed. Lifetime is fixed (`ttl`) and never outlasts the session.
 */
export async function issueToken<Claims extends object>(
  config: TokenConfig,
  source: TokenSource,
  extra: Partial<Claims> | undefined,
): Promise<IssuedToken<Claims>> {
  if (source.isDestroyed) throw new SessionDestroyedError("issue a token for");
  if (typeof source.userId !== "string" || source.userId.length === 0) {
    throw new TypeError(
      "sealed-session: tokens are issued for logged-in sessions only; check session.userId first",
    );
  }
  const custom: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(extra ?? {})) {
    if (value === undefined) continue;
    if (!config.claims.has(name)) {
      throw new TypeError(
        `sealed-session: claim "${name}" is not listed in the \`claims\` option; list every claim a token may carry`,
      );
    }
    toJson(value, `claims.${name}`);
    custom[name] = value;
  }
  const now = config.now();
  const iat = Math.floor(now / 1000);
  let exp = iat + config.ttl;
  for (const end of [source.expiresAt, source.idleExpiresAt]) {
    if (end !== undefined) exp = Math.min(exp, Math.floor(end / 1000));
  }
  if (exp <= iat) throw new TypeError("sealed-session: the session ends within a second; log in again");
  const claims = {
    ...custom,
    iss: config.issuer,
    sub: source.userId,
    aud: config.audience,
    iat,
    exp,
    jti: b64u(randomBytes(16)),
    sid: source.id,
    // NumericDates are whole seconds; "log out everywhere" needs the ms (a cutoff in the same second
    // as a new login must not revoke it), so they travel in a claim of their own.
    auth_time: Math.floor(source.issuedAt / 1000),
    auth_ms: Math.floor(source.issuedAt),
  } satisfies RegisteredClaims;
  // A token now names this id, so ending it later in this request must revoke it (told before the
  // first await, while `sid` is still the session's id).
  source._exposeId?.();

  let token: string;
  if (config.format === "jws") {
    const key = (await signingKeys(config))[0]!;
    if (key.signKey === undefined) {
      throw new ConfigError("these tokens are verify-only: `signingKeys` lists no private key to sign with");
    }
    token = await new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, typ: config.type, kid: key.kid })
      .sign(key.signKey);
    // One spelling per token: verification refuses the high-S twin of an ES256 signature.
    if (key.alg === "ES256") token = withLowS(token);
  } else {
    const keyring = config.keyring!;
    if (!keyring.isReady) await keyring.ready();
    const entry = keyring.newest;
    const key = await keyring.jweKey(entry, config.jweInfo);
    token = await new EncryptJWT(claims)
      .setProtectedHeader({ alg: "dir", enc: "A256GCM", typ: config.type, kid: entry.id ?? "" })
      .encrypt(key);
  }
  return { token, expiresAt: exp, claims: claims as RegisteredClaims & Partial<Claims> };
}
