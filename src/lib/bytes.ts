import { base64url } from "jose";

export const utf8 = new TextEncoder();
export const fromUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** base64url without padding (jose's codec). */
export const b64u = base64url.encode;

/** Decodes base64url strictly: stray bits in the last character are rejected, so one token has one spelling. */
export function fromB64u(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || !isCanonicalB64u(text))
    throw new TypeError("not canonical base64url");
  return base64url.decode(text) as Uint8Array<ArrayBuffer>;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * True when a base64url text has no stray bits in its last character. Decoders accept such
 * spellings as the same bytes; checking the last character costs nothing next to re-encoding.
 */
export function isCanonicalB64u(text: string): boolean {
  const rest = text.length % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const last = ALPHABET.indexOf(text[text.length - 1]!);
  return (last & (rest === 2 ? 0b1111 : 0b11)) === 0;
}

// getRandomValues costs about as much for 4 KiB as for 12 bytes on some runtimes (Node: ~5 µs a
// call), and every seal needs an IV. So draw a block at a time and hand out fresh slices: each
// byte is used once, as with Node's own randomUUID buffer. Filled lazily, inside a request, since
// Workers forbid randomness at global scope.
const POOL_BYTES = 4096;
let pool = new Uint8Array(0);
let offset = 0;

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  if (length > POOL_BYTES) return crypto.getRandomValues(new Uint8Array(length));
  if (offset + length > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_BYTES));
    offset = 0;
  }
  const bytes = pool.slice(offset, offset + length);
  offset += length;
  return bytes;
}

/** 128 random bits in base64url (22 characters): session ids, registry handles, record keys. */
export const randomId = (): string => b64u(randomBytes(16));

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}
