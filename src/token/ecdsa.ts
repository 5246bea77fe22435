/**
 * ES256 signatures in one spelling. An ECDSA signature (r, s) verifies with s and with n − s, so
 * every token has a twin that is a different string with the same claims: trouble for anything that
 * keys on the token text (deny lists, caches, logs). Web Crypto signs with either about half the
 * time, so we always write the low one (s ≤ n/2) and refuse the high one.
 */
import { b64u, fromB64u } from "../lib/bytes.ts";

/** The order of the P-256 group, and half of it. */
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const HALF_N = N >> 1n;
const HALF = 32;

const toBigInt = (bytes: Uint8Array): bigint => {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
};

/** s of a JWS ES256 signature (32 bytes r, 32 bytes s), or undefined when it is not that shape. */
function sOf(signature: string): bigint | undefined {
  let bytes: Uint8Array;
  try {
    bytes = fromB64u(signature);
  } catch {
    return undefined;
  }
  return bytes.length === 2 * HALF ? toBigInt(bytes.subarray(HALF)) : undefined;
}

/** True for a well-formed ES256 signature whose s is in the upper half: the twin we never write. */
export function isHighS(signature: string): boolean {
  const s = sOf(signature);
  return s !== undefined && s > HALF_N;
}

/** The compact JWS with its ES256 signature in low-S form (the same token when it already is). */
export function withLowS(token: string): string {
  const cut = token.lastIndexOf(".");
  const signature = token.slice(cut + 1);
  const s = sOf(signature);
  if (s === undefined || s <= HALF_N) return token;
  const bytes = fromB64u(signature);
  let low = N - s;
  for (let index = 2 * HALF - 1; index >= HALF; index--) {
    bytes[index] = Number(low & 0xffn);
    low >>= 8n;
  }
  return `${token.slice(0, cut + 1)}${b64u(bytes)}`;
}
