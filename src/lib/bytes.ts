import { base64url } from "jose";

export const utf8 = new TextEncoder();
export const fromUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** base64url without padding (jose's codec). */
export const b64u = base64url.encode;

/** Decodes base64url strictly: anything that does not re-encode to the same text is rejected. */
export function fromB64u(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new TypeError("not base64url");
  const bytes = base64url.decode(text) as Uint8Array<ArrayBuffer>;
  // Reject non-canonical encodings (e.g. trailing bits set), so one token has one spelling.
  if (base64url.encode(bytes) !== text) throw new TypeError("non-canonical base64url");
  return bytes;
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

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}
