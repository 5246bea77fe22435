/**
 * The floors: the least work that can seal our envelope at all, written by hand on Web Crypto with
 * keys imported once. Everything a library adds above these is its overhead.
 *
 * - AES-256-GCM: one `encrypt` per seal, one `decrypt` per unseal; token = base64url(iv ‖ ct ‖ tag).
 * - AES-256-CBC + HMAC-SHA-256 (iron's cipher): two calls each way, keys imported once.
 */
import { base64url } from "jose";

import { LIFETIME_S } from "./payload.ts";

const utf8 = new TextEncoder();
const decode = (text: string) => base64url.decode(text) as Uint8Array<ArrayBuffer>;
const fromUtf8 = new TextDecoder();

/** Our envelope's shape (src/session/envelope.ts): [version, id, issuedAt, lifetime, seen, flags, userId, data]. */
export type FloorEnvelope = [
  1,
  string,
  number,
  number,
  number,
  number,
  string | null,
  Record<string, unknown>,
];

export function envelopeOf(data: Record<string, unknown>, now = Date.now()): FloorEnvelope {
  const id = base64url.encode(crypto.getRandomValues(new Uint8Array(16)));
  return [1, id, now, LIFETIME_S, 0, 0, null, data];
}

const keyBytes = () => crypto.getRandomValues(new Uint8Array(32));

export interface FloorCodec {
  seal(value: unknown): Promise<string>;
  unseal(token: string): Promise<unknown>;
}

export async function gcmFloor(): Promise<FloorCodec> {
  const key = await crypto.subtle.importKey("raw", keyBytes(), "AES-GCM", false, ["encrypt", "decrypt"]);
  return {
    async seal(value) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const sealed = new Uint8Array(
        await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, utf8.encode(JSON.stringify(value))),
      );
      const out = new Uint8Array(12 + sealed.length);
      out.set(iv);
      out.set(sealed, 12);
      return base64url.encode(out);
    },
    async unseal(token) {
      const bytes = decode(token);
      const plain = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: bytes.subarray(0, 12) },
        key,
        bytes.subarray(12),
      );
      return JSON.parse(fromUtf8.decode(plain));
    },
  };
}

/** iron's cipher suite without iron's per-token key derivation: `iv*ct*mac`. */
export async function cbcHmacFloor(): Promise<FloorCodec> {
  const aes = await crypto.subtle.importKey("raw", keyBytes(), "AES-CBC", false, ["encrypt", "decrypt"]);
  const mac = await crypto.subtle.importKey("raw", keyBytes(), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
  return {
    async seal(value) {
      const iv = crypto.getRandomValues(new Uint8Array(16));
      const ct = new Uint8Array(
        await crypto.subtle.encrypt({ name: "AES-CBC", iv }, aes, utf8.encode(JSON.stringify(value))),
      );
      const base = `${base64url.encode(iv)}*${base64url.encode(ct)}`;
      const tag = new Uint8Array(await crypto.subtle.sign("HMAC", mac, utf8.encode(base)));
      return `${base}*${base64url.encode(tag)}`;
    },
    async unseal(token) {
      const cut = token.lastIndexOf("*");
      const base = token.slice(0, cut);
      if (!(await crypto.subtle.verify("HMAC", mac, decode(token.slice(cut + 1)), utf8.encode(base)))) {
        throw new Error("bad mac");
      }
      const [iv = "", ct = ""] = base.split("*");
      const plain = await crypto.subtle.decrypt({ name: "AES-CBC", iv: decode(iv) }, aes, decode(ct));
      return JSON.parse(fromUtf8.decode(plain));
    },
  };
}

/**
 * A standard compact JWE (`dir` + `A256GCM`, the format ours writes) sealed by hand: the protected
 * header is fixed per key, so it is encoded once; one `encrypt`/`decrypt` each way. Shows how much
 * of a JWE codec's cost is the format itself rather than the library that builds it.
 */
export async function jweFloor(): Promise<FloorCodec & { key: CryptoKey }> {
  const key = await crypto.subtle.importKey("raw", keyBytes(), "AES-GCM", false, ["encrypt", "decrypt"]);
  const header = base64url.encode(JSON.stringify({ alg: "dir", enc: "A256GCM", kid: "bench1" }));
  const aad = utf8.encode(header);
  return {
    key,
    async seal(value) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const sealed = new Uint8Array(
        await crypto.subtle.encrypt(
          { name: "AES-GCM", iv, additionalData: aad },
          key,
          utf8.encode(JSON.stringify(value)),
        ),
      );
      const tag = sealed.length - 16;
      return `${header}..${base64url.encode(iv)}.${base64url.encode(sealed.subarray(0, tag))}.${base64url.encode(sealed.subarray(tag))}`;
    },
    async unseal(token) {
      const [protectedHeader = "", , iv = "", ciphertext = "", tag = ""] = token.split(".");
      const body = decode(ciphertext);
      const sealed = new Uint8Array(body.length + 16);
      sealed.set(body);
      sealed.set(decode(tag), body.length);
      const plain = await crypto.subtle.decrypt(
        {
          name: "AES-GCM",
          iv: decode(iv),
          additionalData: protectedHeader === header ? aad : utf8.encode(protectedHeader),
        },
        key,
        sealed,
      );
      return JSON.parse(fromUtf8.decode(plain));
    },
  };
}
