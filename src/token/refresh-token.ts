/**
 * Refresh tokens as they travel: the library's own `jwe` codec (compact JWE, `dir` + `A256GCM`)
 * under a key derived for refresh tokens and the audience (`ResolvedRefresh.info`), so a refresh
 * token never opens as a cookie or an access token, nor either of them as a refresh token.
 *
 *   plaintext: [1, userId, familyId, generation, authAt, expiresAt]
 *
 * Opaque to the client (encrypted): it names the family and its generation, the user only so the
 * registry (partitioned by user) can find the family, and the times it is bounded by — no claims,
 * no session data, no label.
 */

import { base64url } from "jose";
import { openJwe, sealJwe } from "../codec/jwe.ts";
import { UnsealError } from "../errors.ts";
import type { Keyring } from "../keyring.ts";
import { fromUtf8 } from "../lib/bytes.ts";
import type { RefreshReason } from "./types.ts";

/** What a refresh token carries. Times in ms since the epoch. */
export interface RefreshClaims {
  readonly userId: string;
  readonly familyId: string;
  readonly generation: number;
  /** When the user authenticated: the family keeps it, and its access tokens carry it (`auth_time`). */
  readonly authAt: number;
  /** The family's absolute expiry. */
  readonly expiresAt: number;
}

const VERSION = 1;
/** Far above what we write (about 200 characters plus the user id), far below anything costly. */
export const MAX_REFRESH_TOKEN = 4096;
const FAMILY_ID = /^[\w-]{16,64}$/;

/** A refusal with its reason, thrown inside this module's callers and caught at their edge. */
export class RefreshRefused {
  readonly reason: RefreshReason;
  constructor(reason: RefreshReason) {
    this.reason = reason;
  }
}

export async function sealRefreshToken(
  keyring: Keyring,
  info: string,
  claims: RefreshClaims,
): Promise<string> {
  if (!keyring.isReady) await keyring.ready();
  const { userId, familyId, generation, authAt, expiresAt } = claims;
  return sealJwe(keyring, info, JSON.stringify([VERSION, userId, familyId, generation, authAt, expiresAt]));
}

/** Opens a refresh token, or throws `RefreshRefused` with why not. Never anything else for bad input. */
export async function openRefreshToken(
  keyring: Keyring,
  info: string,
  token: unknown,
  now: number,
  toleranceMs: number,
): Promise<RefreshClaims> {
  if (typeof token !== "string" || token === "") throw new RefreshRefused("missing");
  if (token.length > MAX_REFRESH_TOKEN) throw new RefreshRefused("too_large");
  const parts = token.split(".");
  // A compact JWS (a signed access token) is not a refresh token; nor is a JWE that names a `typ`
  // (an encrypted access token): we never write one.
  if (parts.length === 3) throw new RefreshRefused("wrong_type");
  if (parts.length === 5 && headerHasType(parts[0]!)) throw new RefreshRefused("wrong_type");
  if (!keyring.isReady) await keyring.ready();
  let plaintext: string;
  try {
    plaintext = (await openJwe(keyring, info, token)).plaintext;
  } catch (error) {
    if (error instanceof UnsealError) {
      const code = error.code;
      throw new RefreshRefused(code === "bad_seal" || code === "unknown_key" ? code : "malformed");
    }
    throw new RefreshRefused("malformed");
  }
  let value: unknown;
  try {
    value = JSON.parse(plaintext);
  } catch {
    throw new RefreshRefused("malformed");
  }
  if (!Array.isArray(value) || value.length !== 6 || value[0] !== VERSION)
    throw new RefreshRefused("malformed");
  const [, userId, familyId, generation, authAt, expiresAt] = value as unknown[];
  if (
    typeof userId !== "string" ||
    userId.length === 0 ||
    typeof familyId !== "string" ||
    !FAMILY_ID.test(familyId) ||
    !Number.isSafeInteger(generation) ||
    (generation as number) < 1 ||
    !Number.isSafeInteger(authAt) ||
    !Number.isSafeInteger(expiresAt)
  ) {
    throw new RefreshRefused("malformed");
  }
  if (now > (expiresAt as number) + toleranceMs) throw new RefreshRefused("expired");
  return {
    userId,
    familyId,
    generation: generation as number,
    authAt: authAt as number,
    expiresAt: expiresAt as number,
  };
}

function headerHasType(header: string): boolean {
  try {
    const parsed = JSON.parse(fromUtf8.decode(base64url.decode(header))) as unknown;
    return typeof parsed === "object" && parsed !== null && "typ" in parsed;
  } catch {
    return false; // the codec says what is wrong with it
  }
}
