import type { JWK } from "jose";
import type { SecretInput } from "../keyring.ts";
import type { RevocationOptions, RevocationStore } from "../revocation/types.ts";

/** JSON a custom claim may hold. */
export type ClaimValue =
  | string
  | number
  | boolean
  | null
  | readonly ClaimValue[]
  | { [key: string]: ClaimValue };

/** Claims every token carries. Times are NumericDate: seconds since the epoch. */
export interface RegisteredClaims {
  /** The user the session was logged in as. */
  readonly sub: string;
  /** The session id the token was issued from: what logout and `revokeSession` revoke. */
  readonly sid: string;
  /** Fresh random id of this token. */
  readonly jti: string;
  readonly iss: string;
  readonly aud: string;
  readonly iat: number;
  readonly exp: number;
  /** When the session logged in: whole seconds, like every NumericDate. */
  readonly auth_time: number;
  /**
   * When the session logged in, in ms since the epoch (a private claim): what "log out everywhere"
   * compares, since a login in the same second as its cutoff, but after it, must survive.
   */
  readonly auth_ms: number;
}

/** Claim names the library sets; an app cannot list them. */
export const REGISTERED_CLAIMS: readonly string[] = [
  "sub",
  "sid",
  "jti",
  "iss",
  "aud",
  "iat",
  "exp",
  "nbf",
  "auth_time",
  "auth_ms",
];

/**
 * Why a bearer token was not accepted. Stable strings: match on them. The shared session codes keep
 * their meaning (`malformed`, `bad_seal`, `unknown_key`, `expired`, `revoked`, `revocation_unavailable`,
 * `too_large`); the rest are token-only.
 */
export type TokenReason =
  /** The request has no `Authorization: Bearer` token. */
  | "missing"
  /** Not a compact token of the configured kind, bad header or claims, unexpected header parameters. */
  | "malformed"
  /**
   * Signature or decryption failed: tampered, or made with a key we do not hold. Also an ES256
   * signature in high-S form: valid ECDSA, but the malleated twin of one we wrote (we write low-S only).
   */
  | "bad_seal"
  /** The `kid` names no configured key. */
  | "unknown_key"
  /** The `alg` (or `enc`) is not the one pinned for the key: `none`, `HS256`, another curve… */
  | "unsupported_alg"
  /** The `typ` header is not ours: another kind of JWT, or a session cookie offered as a bearer token. */
  | "wrong_type"
  | "wrong_issuer"
  | "wrong_audience"
  /** Past `exp` (or older than `ttl`), beyond the clock tolerance. */
  | "expired"
  /** Issued in the future, beyond the clock tolerance. */
  | "not_yet_valid"
  /** Its session (`sid`) or its user (`sub`) was revoked. */
  | "revoked"
  /** The revocation store did not answer: the token is refused (fail closed). */
  | "revocation_unavailable"
  /** Longer than `maxTokenBytes`: refused before any crypto. */
  | "too_large";

export const TOKEN_REASONS: readonly TokenReason[] = [
  "missing",
  "malformed",
  "bad_seal",
  "unknown_key",
  "unsupported_alg",
  "wrong_type",
  "wrong_issuer",
  "wrong_audience",
  "expired",
  "not_yet_valid",
  "revoked",
  "revocation_unavailable",
  "too_large",
];

/** A private (or, after the first, public) signing key: a JWK object or its JSON text. */
export type SigningKeyInput = string | JWK;

interface CommonTokenOptions<Claims extends object> {
  /** `iss` of issued tokens; verification requires it. */
  readonly issuer: string;
  /** `aud` of issued tokens; verification requires it. Also binds encrypted tokens' key. */
  readonly audience: string;
  /** Lifetime in seconds, fixed (tokens never roll: clients ask their session for a new one). Default 300, at most 86400. */
  readonly ttl?: number;
  /**
   * Custom claims an issued token may carry, by name. Nothing else from the session goes in.
   * A signed token's payload is base64url, not encrypted: anyone who holds the token can read these.
   */
  readonly claims?: readonly (keyof Claims & string)[];
  /** Seconds of clock skew accepted on `exp` and `iat`. Default 5, at most 60. */
  readonly clockTolerance?: number;
  /**
   * The sessions' revocation store (or `{ store, timeout, onStoreError }`), asked on every verification
   * by `sid` and by `sub`. A store that fails or times out refuses the token (`revocation_unavailable`)
   * unless `onStoreError` says `"open"`.
   */
  readonly revocation?: RevocationStore | RevocationOptions;
  /** `typ` header that binds tokens to this purpose. Default `"sealed-session+jwt"`. */
  readonly type?: string;
  /** Longest token accepted, in characters. Default 8192. */
  readonly maxTokenBytes?: number;
  /** Called for every rejected token with its reason; never receives the token. */
  readonly onInvalid?: (event: { reason: TokenReason }) => void;
  /** Clock in ms since the epoch, for tests. */
  readonly now?: () => number;
}

/** Signed tokens (JWS, `EdDSA` or `ES256`): any service with the JWKS can verify them, and anyone can read them. */
export interface SignedTokenOptions<Claims extends object> extends CommonTokenOptions<Claims> {
  /**
   * Private JWKs, newest first: the first signs, all verify, the JWKS lists the public half of each.
   * A JWK, its JSON text (e.g. an environment variable), a JSON array or `{ "keys": [...] }` of them.
   * Keys after the first may be public-only; all public makes a verify-only instance (`issue` throws).
   * Keep private keys out of your code; see `generateSigningKey`.
   */
  readonly signingKeys: SigningKeyInput | readonly SigningKeyInput[];
  readonly secrets?: never;
}

/** Encrypted tokens (JWE `dir` + `A256GCM`): only holders of the secrets can read or verify them. */
export interface EncryptedTokenOptions<Claims extends object> extends CommonTokenOptions<Claims> {
  /** The same secrets as the sessions (newest first). Keys are derived for the bearer purpose and audience. */
  readonly secrets: SecretInput | readonly SecretInput[];
  readonly signingKeys?: never;
}

export type TokenOptions<Claims extends object = Record<string, ClaimValue>> =
  | SignedTokenOptions<Claims>
  | EncryptedTokenOptions<Claims>;

/** What a token is issued from: a logged-in `Session` fits. */
export interface TokenSource {
  readonly id: string;
  readonly userId: string | undefined;
  /** ms since the epoch. */
  readonly issuedAt: number;
  /** ms; a token never outlives its session. */
  readonly expiresAt?: number;
  readonly idleExpiresAt?: number | undefined;
  readonly isDestroyed?: boolean;
  /**
   * @internal Called when a token names this id, before `issue` awaits anything: a `Session` then
   * revokes the id if it is ended later in the same request, as it does for an id a client holds.
   */
  _exposeId?(): void;
}

export interface IssuedToken<Claims extends object> {
  readonly token: string;
  /** `exp`: seconds since the epoch. */
  readonly expiresAt: number;
  readonly claims: RegisteredClaims & Partial<Claims>;
}

export type TokenVerification<Claims extends object> =
  | { readonly ok: true; readonly claims: RegisteredClaims & Partial<Claims> }
  | { readonly ok: false; readonly reason: TokenReason };

/** A JWK Set of public keys, as served at `/.well-known/jwks.json`. */
export interface PublicJwks {
  readonly keys: readonly JWK[];
}

export interface Tokens<Claims extends object = Record<string, ClaimValue>> {
  /** `"jws"` (signed, readable by anyone) or `"jwe"` (encrypted). */
  readonly format: "jws" | "jwe";
  /**
   * Issues a token for a logged-in session. Throws `TypeError` for an anonymous or destroyed session or a
   * claim not listed in `claims`: check `session.userId` first (answer 401).
   */
  issue(session: TokenSource, options?: { readonly claims?: Partial<Claims> }): Promise<IssuedToken<Claims>>;
  /**
   * Verifies a token, or the `Authorization: Bearer` token of a request. Never throws for any token:
   * a rejected one gives `{ ok: false, reason }`. Only configured keys the platform cannot import (a
   * deployment bug, the same for every request) throw a `ConfigError`.
   */
  verify(input: Request | Headers | string | null | undefined): Promise<TokenVerification<Claims>>;
  /** The public keys (signed tokens only; encrypted tokens have none and this throws a `ConfigError`). */
  jwks(): Promise<PublicJwks>;
}

/**
 * Why a refresh token was not exchanged. Stable strings: match on them. The token-wide codes keep
 * their meaning; `refresh_reused` is refresh-only.
 */
export type RefreshReason =
  /** No refresh token was given. */
  | "missing"
  /** Not a refresh token of ours: garbled, or the payload is not ours. */
  | "malformed"
  /**
   * Decryption failed: tampered, sealed for another audience, made with a secret we do not hold —
   * or a session cookie offered as a refresh token.
   */
  | "bad_seal"
  /** Sealed under a secret that is no longer listed. */
  | "unknown_key"
  /** An access token (or another JWT) offered as a refresh token. */
  | "wrong_type"
  /** Past its family's absolute expiry. */
  | "expired"
  /** Its family was ended: logout, "log out other devices" or "everywhere", the device list, a cap. */
  | "revoked"
  /**
   * A spent refresh token, presented again: its family is now ended (every refresh token and every
   * access token of it), and by default the session it was issued from too.
   */
  | "refresh_reused"
  /** The registry (or revocation store) did not answer: nothing was spent; retry later. */
  | "revocation_unavailable"
  /** Longer than any refresh token we write: refused before any crypto. */
  | "too_large";

export const REFRESH_REASONS: readonly RefreshReason[] = [
  "missing",
  "malformed",
  "bad_seal",
  "unknown_key",
  "wrong_type",
  "expired",
  "revoked",
  "refresh_reused",
  "revocation_unavailable",
  "too_large",
];

/** An access token with the refresh token that replaces it: what a refresh-token family hands out. */
export interface TokenPair<Claims extends object> extends IssuedToken<Claims> {
  /** Opaque and sealed: the client stores it and sends it back only to the refresh endpoint. */
  readonly refreshToken: string;
  /** When the family ends, whatever happens (seconds since the epoch): its absolute expiry. */
  readonly refreshExpiresAt: number;
}

export type RefreshResult<Claims extends object> =
  | ({ readonly ok: true } & TokenPair<Claims>)
  | { readonly ok: false; readonly reason: RefreshReason };

/** The `refresh` option of `sessionTokens`: refresh tokens for clients without cookies. */
export interface RefreshOptions {
  /**
   * A family's absolute lifetime in seconds, counted from the user's authentication (the login of
   * the session it was issued from, or `sessions.create`). Default: the sessions' `maxAge`. At most
   * 400 days. Every refresh token of the family expires with it.
   */
  readonly maxAge?: number;
  /**
   * Seconds (0 to 10) during which the refresh token just exchanged may be exchanged once more — for
   * a client whose response was lost — while its successor is unused. It gets another token of the
   * successor's generation, so a second use is still detected. Default 0: no grace. Needs a registry.
   */
  readonly reuseInterval?: number;
  /** A spent refresh token presented again also ends the session its family was issued from. Default `true`. */
  readonly reuseEndsParent?: boolean;
  /** How a family shows in the device list when `issueToken`/`create` give no `label`. Default `"App"`. */
  readonly label?: string;
  /**
   * Allow refresh tokens without a `registry`, on the revocation store alone (Workers KV, say).
   * Without it that is a `ConfigError`: such a store cannot make a token one-time. With it, reuse is
   * detected only once the store has seen the spend (Workers KV: up to 60 s or more elsewhere), two
   * exchanges at once may both succeed, families are not listed, and a reuse ends only the family.
   * See docs/refresh-tokens.md. Ignored with a registry.
   */
  readonly bestEffort?: boolean;
}
