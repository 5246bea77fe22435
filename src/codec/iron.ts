/**
 * The `iron` format: Fe26.2, the format of @hapi/iron, iron-session, h3 and iron-webcrypto.
 *
 *   Fe26.2*<key id>*<enc salt>*<iv>*<ciphertext>*<expiry ms>*<mac salt>*<mac>
 *
 * AES-256-CBC then HMAC-SHA-256 over everything before the MAC, keys from PBKDF2 (1 iteration)
 * via iron-webcrypto's `generateKey`. We seal with one cached salt pair per secret and a random IV
 * per token (see `Keyring.ironSealKeys`), so a seal costs two `crypto.subtle` calls instead of six;
 * any other iron implementation still unseals our tokens, and we unseal theirs.
 */
import { macPrefix } from "iron-webcrypto";
import { UnsealError } from "../errors.ts";
import type { KeyEntry, Keyring } from "../keyring.ts";
import { b64u, fromB64u, fromUtf8, randomBytes, utf8 } from "../lib/bytes.ts";
import type { Opened } from "./types.ts";

export async function sealIron(
  keyring: Keyring,
  plaintext: string,
  expiresAtMs?: number,
  suffix = "",
  entry: KeyEntry = keyring.newest,
): Promise<string> {
  const keys = await keyring.ironSealKeys(entry);
  const iv = randomBytes(16);
  const encrypted = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-CBC", iv }, keys.encryptionKey, utf8.encode(plaintext)),
  );
  const base = `${macPrefix}*${entry.id ?? ""}*${keys.encryptionSalt}*${b64u(iv)}*${b64u(encrypted)}*${expiresAtMs ?? ""}`;
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", keys.integrityKey, utf8.encode(base)));
  return `${base}*${keys.integritySalt}*${b64u(mac)}${suffix}`;
}

export async function openIron(keyring: Keyring, token: string): Promise<Opened> {
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
  for (const entry of entries) {
    const integrity = await keyring.ironKey(entry, macSalt, "sha256");
    // crypto.subtle.verify compares in constant time.
    if (!(await crypto.subtle.verify("HMAC", integrity.key, mac, utf8.encode(base)))) continue;
    integrity.remember();
    const encryption = await keyring.ironKey(entry, encryptionSalt, "aes-256-cbc");
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
    };
  }
  throw new UnsealError(known ? "bad_seal" : "unknown_key");
}
