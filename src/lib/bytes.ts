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

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}
