/**
 * The `jwe` format: compact JWE, `dir` + `A256GCM`, through jose. The key is derived from the
 * secret with HKDF, bound to a purpose and the cookie name (see `Keyring.jweKey`), so a token
 * sealed for one cookie or purpose cannot be replayed as another. One `crypto.subtle` call per
 * seal and per unseal once keys are cached.
 */
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader } from "jose";
import { UnsealError } from "../errors.ts";
import type { KeyEntry, Keyring } from "../keyring.ts";
import { fromUtf8, utf8 } from "../lib/bytes.ts";
import type { Opened } from "./types.ts";

const BASE64URL = /^[\w-]+$/;
const DECRYPT_OPTIONS = { keyManagementAlgorithms: ["dir"], contentEncryptionAlgorithms: ["A256GCM"] };

export async function sealJwe(
  keyring: Keyring,
  info: string,
  plaintext: string,
  expiresAtSeconds?: number,
  entry: KeyEntry = keyring.newest,
): Promise<string> {
  const key = await keyring.jweKey(entry, info);
  const header: { alg: "dir"; enc: "A256GCM"; kid: string; exp?: number } = {
    alg: "dir",
    enc: "A256GCM",
    kid: entry.id ?? "",
  };
  if (expiresAtSeconds !== undefined) header.exp = expiresAtSeconds;
  return new CompactEncrypt(utf8.encode(plaintext)).setProtectedHeader(header).encrypt(key);
}

export async function openJwe(keyring: Keyring, info: string, token: string): Promise<Opened> {
  const parts = token.split(".");
  // dir: the encrypted-key segment is empty; the IV of A256GCM is 12 bytes (16 characters).
  // Checking the alphabet here makes garbled input "malformed" rather than a failed decryption.
  if (
    parts.length !== 5 ||
    parts[1] !== "" ||
    parts[2]?.length !== 16 ||
    parts[4]?.length !== 22 ||
    !BASE64URL.test(parts[0]!) ||
    !BASE64URL.test(parts[2]) ||
    !BASE64URL.test(parts[3]!) ||
    !BASE64URL.test(parts[4]) ||
    !parts.every(isCanonical)
  ) {
    throw new UnsealError("malformed");
  }
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>;
  } catch (cause) {
    throw new UnsealError("malformed", undefined, { cause });
  }
  const { alg, enc, kid, exp, ...rest } = header;
  if (
    alg !== "dir" ||
    enc !== "A256GCM" ||
    typeof kid !== "string" ||
    (exp !== undefined && !Number.isSafeInteger(exp)) ||
    Object.keys(rest).length > 0
  ) {
    throw new UnsealError("malformed");
  }
  const { entries, known } = keyring.candidates(kid);
  for (const entry of entries) {
    const key = await keyring.jweKey(entry, info);
    let plaintext: Uint8Array;
    try {
      ({ plaintext } = await compactDecrypt(token, key, DECRYPT_OPTIONS));
    } catch {
      continue; // wrong key or tampered: try the next candidate, decide below
    }
    let text: string;
    try {
      text = fromUtf8.decode(plaintext);
    } catch (cause) {
      throw new UnsealError("malformed", undefined, { cause });
    }
    return {
      format: "jwe",
      plaintext: text,
      entry,
      expiresAt: typeof exp === "number" ? exp * 1000 : undefined,
      foreignKeyId: kid !== entry.id,
    };
  }
  throw new UnsealError(known ? "bad_seal" : "unknown_key");
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * True when a base64url segment has no stray bits in its last character. jose decodes such
 * spellings to the same bytes; rejecting them gives every token exactly one spelling.
 */
function isCanonical(segment: string): boolean {
  const rest = segment.length % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const last = ALPHABET.indexOf(segment[segment.length - 1]!);
  return (last & (rest === 2 ? 0b1111 : 0b11)) === 0;
}
