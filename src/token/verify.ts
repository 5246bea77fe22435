/**
 * Verifies a bearer token. Every check that can be made before crypto is: size, shape, a header
 * with exactly the parameters we write, the pinned algorithm of the key its `kid` names, and our
 * `typ`. Then jose verifies the signature (or decrypts) and the claims, and the revocation store
 * is asked. Never throws for a bad token: every failure is a typed reason.
 */
import {
  decodeProtectedHeader,
  type JWTClaimVerificationOptions,
  type JWTPayload,
  jwtDecrypt,
  jwtVerify,
} from "jose";
import { ConfigError } from "../errors.ts";
import { isCanonicalB64u } from "../lib/bytes.ts";
import { failureKind, withTimeout } from "../revocation/policy.ts";
import { signingKeys, type TokenConfig } from "./config.ts";
import { isHighS } from "./ecdsa.ts";
import type { RegisteredClaims, TokenReason, TokenVerification } from "./types.ts";

type Input = Request | Headers | string | null | undefined;
type Claims = RegisteredClaims & Record<string, unknown>;

class Rejected {
  readonly reason: TokenReason;
  constructor(reason: TokenReason) {
    this.reason = reason;
  }
}

const REQUIRED = ["iss", "sub", "aud", "iat", "exp", "jti", "sid", "auth_time"];
const BEARER = /^Bearer +([\w.~+/-]+=*) *$/i;
const B64U_SEGMENT = /^[\w-]*$/;

export async function verifyToken<C extends object>(
  config: TokenConfig,
  input: Input,
): Promise<TokenVerification<C>> {
  let reason: TokenReason;
  try {
    const claims = await verified(config, input);
    return { ok: true, claims: claims as RegisteredClaims & Partial<C> };
  } catch (error) {
    // Keys that cannot be imported are a deployment bug for every request, not a bad token: stay loud.
    if (error instanceof ConfigError) throw error;
    // Anything else thrown while reading attacker-controlled input is malformed input.
    reason = error instanceof Rejected ? error.reason : "malformed";
  }
  if (config.onInvalid) {
    try {
      config.onInvalid({ reason });
    } catch (error) {
      console.error("sealed-session: onInvalid threw", error);
    }
  }
  return { ok: false, reason };
}

/** The bearer token of a request, or the string itself. */
export function bearerToken(input: Input): string | undefined {
  if (typeof input === "string") return input;
  if (input === null || typeof input !== "object") return undefined;
  const headers = input instanceof Headers ? input : input.headers;
  const authorization = headers.get("authorization");
  if (authorization === null || !/^bearer(\s|$)/i.test(authorization)) return undefined;
  const match = BEARER.exec(authorization);
  if (!match) throw new Rejected("malformed");
  return match[1]!;
}

async function verified(config: TokenConfig, input: Input): Promise<Claims> {
  const token = bearerToken(input);
  if (token === undefined || token === "") throw new Rejected("missing");
  if (token.length > config.maxTokenBytes) throw new Rejected("too_large");
  const parts = token.split(".");
  if (!parts.every((part) => B64U_SEGMENT.test(part))) throw new Rejected("malformed");
  const expectedParts = config.format === "jws" ? 3 : 5;
  if (parts.length !== expectedParts) {
    // A compact token of the other kind (a JWE session cookie at a JWS verifier) is not ours.
    throw new Rejected(parts.length === 3 || parts.length === 5 ? "wrong_type" : "malformed");
  }
  // Header and payload are signed (or authenticated) as text; the other segments are decoded, and
  // their unused trailing bits would give one token many spellings. Keep one: canonical base64url only.
  if (!parts.slice(2).every(isCanonicalB64u)) throw new Rejected("malformed");
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>;
  } catch {
    throw new Rejected("malformed");
  }
  const now = config.now();
  const options: JWTClaimVerificationOptions = {
    issuer: config.issuer,
    audience: config.audience,
    typ: config.type,
    clockTolerance: config.tolerance,
    currentDate: new Date(now),
    maxTokenAge: config.ttl,
    requiredClaims: REQUIRED,
  };

  let payload: JWTPayload;
  if (config.format === "jws") {
    const { alg, typ, kid, ...rest } = header;
    // Only the algorithms we sign with: never none, HS* (keyed with public bytes) or RS*.
    if (alg !== "EdDSA" && alg !== "ES256") throw new Rejected("unsupported_alg");
    // jku, jwk, x5u, crit, b64…: we never write them, and some would make a verifier fetch or trust a key.
    if (Object.keys(rest).length > 0) throw new Rejected("malformed");
    checkType(config, typ);
    const key = (await signingKeys(config)).find((candidate) => candidate.kid === kid);
    if (key === undefined) throw new Rejected("unknown_key");
    // Pinned per key: a kid never verifies under another algorithm than its own.
    if (key.alg !== alg) throw new Rejected("unsupported_alg");
    // The high-S twin of a signature we wrote (we write low-S only): a signature we did not make, so
    // bad_seal like any other tampered signature, refused before the crypto it would pass.
    if (alg === "ES256" && isHighS(parts[2]!)) throw new Rejected("bad_seal");
    try {
      ({ payload } = await jwtVerify(token, key.verifyKey, { ...options, algorithms: [key.alg] }));
    } catch (error) {
      throw new Rejected(reasonOf(error));
    }
  } else {
    const { alg, enc, typ, kid, ...rest } = header;
    if (alg !== "dir" || enc !== "A256GCM") throw new Rejected("unsupported_alg");
    if (Object.keys(rest).length > 0) throw new Rejected("malformed");
    checkType(config, typ);
    if (typeof kid !== "string") throw new Rejected("unknown_key");
    const keyring = config.keyring!;
    if (!keyring.isReady) await keyring.ready();
    const { entries, known } = keyring.candidates(kid);
    let opened: JWTPayload | undefined;
    for (const entry of entries) {
      const key = await keyring.jweKey(entry, config.jweInfo);
      try {
        ({ payload: opened } = await jwtDecrypt(token, key, {
          ...options,
          keyManagementAlgorithms: ["dir"],
          contentEncryptionAlgorithms: ["A256GCM"],
        }));
        break;
      } catch (error) {
        const reason = reasonOf(error);
        if (reason !== "bad_seal") throw new Rejected(reason);
        // Wrong key or tampered: try the next candidate, decide below.
      }
    }
    if (opened === undefined) throw new Rejected(known ? "bad_seal" : "unknown_key");
    payload = opened;
  }

  const claims = checkClaims(config, payload);
  const revocation = config.revocation;
  if (revocation) {
    const query = {
      sessionId: claims.sid,
      userId: claims.sub,
      // The session's login time, in ms: a cutoff applies to the session the token came from.
      issuedAt: claims.auth_ms,
    };
    let revoked = false;
    try {
      revoked = await withTimeout(() => revocation.store.isRevoked(query), revocation.timeout);
    } catch (error) {
      const policy = revocation.report({ operation: "check", kind: failureKind(error), error, retry: false });
      if (policy !== "open") throw new Rejected("revocation_unavailable");
    }
    if (revoked) throw new Rejected("revoked");
  }
  return claims;
}

function checkType(config: TokenConfig, typ: unknown): void {
  // Exact match (jose also accepts "application/…"): we write it, so one spelling is enough.
  if (typeof typ !== "string" || typ.toLowerCase() !== config.type.toLowerCase())
    throw new Rejected("wrong_type");
}

/** Registered claims of the right types, and only the custom claims the app lists. */
function checkClaims(config: TokenConfig, payload: JWTPayload): Claims {
  const { sub, sid, jti, aud, auth_time: authTime, auth_ms: authMs } = payload as Record<string, unknown>;
  // Tokens written before `auth_ms` (at most `ttl` old) carry the ms as a fraction of `auth_time`.
  const loginMs = authMs === undefined && typeof authTime === "number" ? Math.round(authTime * 1000) : authMs;
  if (
    typeof sub !== "string" ||
    sub.length === 0 ||
    typeof sid !== "string" ||
    !/^[\w-]{16,64}$/.test(sid) ||
    typeof jti !== "string" ||
    jti.length === 0 ||
    aud !== config.audience ||
    typeof authTime !== "number" ||
    !Number.isFinite(authTime) ||
    !Number.isSafeInteger(loginMs) ||
    (authMs !== undefined && authTime !== Math.floor((loginMs as number) / 1000)) ||
    !Number.isSafeInteger(payload.exp) ||
    !Number.isSafeInteger(payload.iat)
  ) {
    throw new Rejected("malformed");
  }
  const claims: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (REQUIRED.includes(name) || config.claims.has(name)) claims[name] = value;
  }
  claims.auth_ms = loginMs;
  return claims as Claims;
}

function reasonOf(error: unknown): TokenReason {
  const { code, claim, reason } = (error ?? {}) as { code?: unknown; claim?: unknown; reason?: unknown };
  switch (code) {
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
    case "ERR_JWE_DECRYPTION_FAILED":
      return "bad_seal";
    case "ERR_JWT_EXPIRED":
      return "expired";
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return "unsupported_alg";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      if (reason === "missing" || reason === "invalid") return "malformed";
      if (claim === "iss") return "wrong_issuer";
      if (claim === "aud") return "wrong_audience";
      if (claim === "typ") return "wrong_type";
      if (claim === "iat" || claim === "nbf") return "not_yet_valid";
      return "malformed";
    default:
      return "malformed";
  }
}
