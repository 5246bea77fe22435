/**
 * The `iron` format: Fe26.2, the format of @hapi/iron, iron-session, h3 and iron-webcrypto.
 *
 *   Fe26.2*<key id>*<enc salt>*<iv>*<ciphertext>*<expiry ms>*<mac salt>*<mac>
 *
 * AES-256-CBC then HMAC-SHA-256 over everything before the MAC, keys from PBKDF2 (1 iteration)
 * via iron-webcrypto's `generateKey`. We seal with one cached salt pair per secret and a random IV
 * per token (see `Keyring.ironSealKeys`), so a seal costs two `crypto.subtle` calls instead of six;
 * any other iron implementation still unseals our tokens, and we unseal theirs.
 *
 * The password is the listed secret (iron-compatible) or, for session cookies and purposes, a key
 * derived from it with HKDF and an `info` naming them (see `Keyring.ironPassword`): other iron
 * implementations cannot open those, and a token bound to one cookie or purpose opens as no other.
 */
import { macPrefix } from "iron-webcrypto";
import { UnsealError } from "../errors.ts";
import type { IronBinding, KeyEntry, Keyring } from "../keyring.ts";
import { b64u, fromB64u, fromUtf8, randomBytes, utf8 } from "../lib/bytes.ts";
import type { Opened } from "./types.ts";

export interface IronSealOptions {
  /** Outer expiry in ms (iron's own field); session cookies leave it out, their envelope has one. */
  readonly expiresAt?: number | undefined;
  /** Appended outside the MAC, e.g. `"~2"` for iron-session v8. */
  readonly suffix?: string;
  /** `undefined`: the raw secret, as every iron implementation uses it. */
  readonly binding: IronBinding;
}

export async function sealIron(
  keyring: Keyring,
  plaintext: string,
  { expiresAt, suffix = "", binding }: IronSealOptions,
  entry: KeyEntry = keyring.newest,
): Promise<string> {
  const keys = await keyring.ironSealKeys(entry, binding);
  const iv = randomBytes(16);
  const encrypted = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-CBC", iv }, keys.encryptionKey, utf8.encode(plaintext)),
  );
  const base = `${macPrefix}*${entry.id ?? ""}*${keys.encryptionSalt}*${b64u(iv)}*${b64u(encrypted)}*${expiresAt ?? ""}`;
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", keys.integrityKey, utf8.encode(base)));
  return `${base}*${keys.integritySalt}*${b64u(mac)}${suffix}`;
}

/**
 * Opens an iron token with the first of `bindings` whose password verifies its MAC, for each
 * secret its key id points at. `Opened.unbound` says the raw secret opened it.
 */
export async function openIron(
  keyring: Keyring,
  token: string,
  bindings: readonly IronBinding[],
): Promise<Opened> {
  // iron-session appends "~<major>" outside the MAC; it carries nothing we trust, so drop it.
  const tilde = token.indexOf("~");
  const sealed = tilde === -1 ? token : token.slice(0, tilde);
  if (tilde !== -1 && !/^~\d{1,3}$/.test(token.slice(tilde))) throw new UnsealError("malformed");
  const parts = sealed.split("*");
  if (parts.length !== 8) throw new UnsealError("malformed");
  const [prefix, keyId, encryptionSalt, ivText, encryptedText, expiry, macSalt, macText] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (
    prefix !== macPrefix ||
    !/^\w*$/.test(keyId) ||
    !/^\w+$/.test(encryptionSalt) ||
    !/^\w+$/.test(macSalt) ||
    (expiry !== "" && !/^[1-9]\d{0,15}$/.test(expiry))
  ) {
    throw new UnsealError("malformed");
  }
  let iv: Uint8Array<ArrayBuffer>;
  let encrypted: Uint8Array<ArrayBuffer>;
  let mac: Uint8Array<ArrayBuffer>;
  try {
    iv = fromB64u(ivText);
    encrypted = fromB64u(encryptedText);
    mac = fromB64u(macText);
  } catch (cause) {
    throw new UnsealError("malformed", undefined, { cause });
  }
  if (iv.length !== 16 || mac.length !== 32 || encrypted.length === 0 || encrypted.length % 16 !== 0) {
    throw new UnsealError("malformed");
  }
  const base = sealed.slice(0, sealed.length - macSalt.length - macText.length - 2);
  const { entries, known } = keyring.candidates(keyId);
  const signed = utf8.encode(base);
  for (const entry of entries) {
    for (const binding of bindings) {
      const integrity = await keyring.ironKey(entry, binding, macSalt, "sha256");
      // crypto.subtle.verify compares in constant time.
      if (!(await crypto.subtle.verify("HMAC", integrity.key, mac, signed))) continue;
      integrity.remember();
      const encryption = await keyring.ironKey(entry, binding, encryptionSalt, "aes-256-cbc");
      let plaintext: string;
      try {
        plaintext = fromUtf8.decode(
          await crypto.subtle.decrypt({ name: "AES-CBC", iv }, encryption.key, encrypted),
        );
      } catch (cause) {
        // The MAC verified, so this is a sealer's bug rather than tampering.
        throw new UnsealError("malformed", undefined, { cause });
      }
      encryption.remember();
      return {
        format: "iron",
        plaintext,
        entry,
        expiresAt: expiry === "" ? undefined : Number(expiry),
        foreignKeyId: keyId !== entry.id,
        unbound: binding === undefined,
      };
    }
  }
  throw new UnsealError(known ? "bad_seal" : "unknown_key");
}
