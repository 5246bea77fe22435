import { generateKey } from "iron-webcrypto";
import { ConfigError } from "./errors.ts";
import { b64u, randomBytes, toHex, utf8 } from "./lib/bytes.ts";
import { Lru } from "./lib/lru.ts";
import { HOW_TO_MAKE_A_SECRET, MIN_SECRET_LENGTH, secretWeakness, warnWeakSecret } from "./secret.ts";

/** A secret as users write it: the string, or `{ id, secret }` to pin the key id (e.g. `"1"` for iron-session). */
export type SecretInput = string | { readonly id?: string; readonly secret: string };

/** One listed secret with the keys derived from it, computed once and cached as settled values. */
export interface KeyEntry {
  readonly index: number;
  readonly secret: string;
  /** Set when the user pinned an id; otherwise `id` is derived from the secret's content. */
  readonly pinnedId: string | undefined;
  id: string | undefined;
}

/**
 * The password an iron token is sealed with: `undefined` for the listed secret itself (what
 * iron-session, @hapi/iron and h3 use, so tokens interoperate), or an HKDF `info` that binds the
 * token to a purpose or cookie name — a token bound to one never opens as another.
 */
export type IronBinding = string | undefined;

interface IronKeys {
  readonly encryptionSalt: string;
  readonly integritySalt: string;
  encryptionKey?: CryptoKey;
  integrityKey?: CryptoKey;
}

/**
 * 96-bit salts (iron defaults to 256). The secrets are high-entropy, so the salt only has to keep
 * the two derived keys apart and differ between secrets; 96 bits does, and saves 80 bytes a cookie.
 */
export const IRON_SALT_BYTES = 12;
const KEY_ID_INFO = utf8.encode("sealed-session key id v1");

/**
 * Parses a secrets option: a comma-separated string (as environment variables hold them),
 * one secret, or a list — newest first. The newest seals, so a predictable one is refused; an
 * older one only draws a warning, so deployments and iron-session adoptions keep starting.
 */
export function parseSecrets(input: unknown, option = "secrets"): KeyEntry[] {
  const list: unknown[] =
    typeof input === "string"
      ? input.split(",").map((part) => part.trim())
      : Array.isArray(input)
        ? input
        : [input];
  if (input === undefined || input === null || input === "" || list.length === 0) {
    throw new ConfigError(`\`${option}\` is missing. ${HOW_TO_MAKE_A_SECRET}`);
  }
  // A comma always separates secrets in a string: say so where a split part is too short.
  const split =
    typeof input === "string" && list.length > 1
      ? " (a comma separates secrets, so a secret cannot contain one; an array can list any secret)"
      : "";
  const seenSecrets = new Set<string>();
  const seenIds = new Set<string>();
  return list.map((item, index) => {
    const where = list.length > 1 ? `\`${option}[${index}]\`` : `\`${option}\``;
    let secret: unknown = item;
    let pinnedId: string | undefined;
    if (item !== null && typeof item === "object") {
      secret = (item as { secret?: unknown }).secret;
      const id = (item as { id?: unknown }).id;
      if (id !== undefined) {
        if (typeof id !== "string" || !/^\w{1,32}$/.test(id)) {
          throw new ConfigError(`${where}.id must be 1-32 letters, digits or underscores (iron requires it)`);
        }
        if (seenIds.has(id)) throw new ConfigError(`${where}.id "${id}" is listed twice; ids must be unique`);
        seenIds.add(id);
        pinnedId = id;
      }
    }
    if (typeof secret !== "string" || secret.length === 0) {
      throw new ConfigError(`${where} is empty or not a string. ${HOW_TO_MAKE_A_SECRET}`);
    }
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new ConfigError(
        `${where} is ${secret.length} characters; at least ${MIN_SECRET_LENGTH} are required${split}. ${HOW_TO_MAKE_A_SECRET}`,
      );
    }
    if (seenSecrets.has(secret))
      throw new ConfigError(`${where} repeats an earlier secret; list each secret once`);
    seenSecrets.add(secret);
    const weakness = secretWeakness(secret);
    if (weakness && index === 0) throw new ConfigError(`${where} ${weakness}. ${HOW_TO_MAKE_A_SECRET}`);
    if (weakness) warnWeakSecret(where, secret, weakness);
    return { index, secret, pinnedId, id: pinnedId };
  });
}

/**
 * All keys derived from the listed secrets. One keyring per manager (or per low-level option set);
 * every cache in it holds settled values only, never promises, so it is safe across requests
 * that interleave in one isolate.
 */
export class Keyring {
  readonly entries: readonly KeyEntry[];
  readonly #jweKeys = new Map<string, CryptoKey>();
  readonly #hmacKeys = new Map<string, CryptoKey>();
  readonly #hkdfBase = new Map<KeyEntry, CryptoKey>();
  readonly #ironPasswords = new Map<string, string>();
  readonly #ironOwn = new Map<string, IronKeys>();
  /** Keys for salts chosen by other sealers (iron-session, @hapi/iron); filled only after a MAC verified. */
  readonly #ironForeign = new Lru<string, CryptoKey>(128);

  constructor(entries: readonly KeyEntry[]) {
    this.entries = entries;
  }

  /** True once every entry has its id, so callers can skip an await on the hot path. */
  get isReady(): boolean {
    return this.entries.every((entry) => entry.id !== undefined);
  }

  /** Derives content-based ids once (a few hex characters of an HMAC of the secret). */
  async ready(): Promise<void> {
    for (const entry of this.entries) {
      if (entry.id !== undefined) continue;
      const key = await crypto.subtle.importKey(
        "raw",
        utf8.encode(entry.secret),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign"],
      );
      const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, KEY_ID_INFO));
      entry.id = toHex(mac.subarray(0, 3));
    }
  }

  get newest(): KeyEntry {
    return this.entries[0]!;
  }

  /**
   * The entries a token's key id points at. An id nobody here derived (a legacy "", "1", or a
   * rotated-out secret) is tried against every listed secret: the list is short.
   */
  candidates(id: string): { entries: readonly KeyEntry[]; known: boolean } {
    const matching = this.entries.filter((entry) => entry.id === id);
    return matching.length > 0 ? { entries: matching, known: true } : { entries: this.entries, known: false };
  }

  /** The secret as an HKDF key, imported once per entry. */
  async #hkdf(entry: KeyEntry): Promise<CryptoKey> {
    let base = this.#hkdfBase.get(entry);
    if (base === undefined) {
      base = await crypto.subtle.importKey("raw", utf8.encode(entry.secret), "HKDF", false, [
        "deriveKey",
        "deriveBits",
      ]);
      this.#hkdfBase.set(entry, base);
    }
    return base;
  }

  /** AES-256-GCM key from HKDF-SHA-256 over the secret, bound to `info` (purpose and cookie name). */
  async jweKey(entry: KeyEntry, info: string): Promise<CryptoKey> {
    const cacheKey = `${entry.index}\u0000${info}`;
    const cached = this.#jweKeys.get(cacheKey);
    if (cached) return cached;
    const base = await this.#hkdf(entry);
    const key = await crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: utf8.encode(info) },
      base,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    );
    this.#jweKeys.set(cacheKey, key);
    return key;
  }

  /** HMAC-SHA-256 key from HKDF-SHA-256 over the secret, bound to `info` (e.g. one cookie's CSRF tokens). */
  async hmacKey(entry: KeyEntry, info: string): Promise<CryptoKey> {
    const cacheKey = `${entry.index}\u0000${info}`;
    const cached = this.#hmacKeys.get(cacheKey);
    if (cached) return cached;
    const key = await crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: utf8.encode(info) },
      await this.#hkdf(entry),
      { name: "HMAC", hash: "SHA-256", length: 256 },
      false,
      ["sign"],
    );
    this.#hmacKeys.set(cacheKey, key);
    return key;
  }

  /**
   * The iron password for a binding: the secret itself, or 32 bytes of HKDF-SHA-256 over it with
   * `binding` as `info`, in base64url (43 characters, above iron's 32-character minimum).
   */
  async ironPassword(entry: KeyEntry, binding: IronBinding): Promise<string> {
    if (binding === undefined) return entry.secret;
    const cacheKey = `${entry.index}\u0000${binding}`;
    let password = this.#ironPasswords.get(cacheKey);
    if (password === undefined) {
      const bits = await crypto.subtle.deriveBits(
        { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: utf8.encode(binding) },
        await this.#hkdf(entry),
        256,
      );
      password = b64u(new Uint8Array(bits));
      this.#ironPasswords.set(cacheKey, password);
    }
    return password;
  }

  /**
   * Iron keys for sealing. One random salt pair per secret, binding and keyring: each token still
   * gets a fresh random IV, so reusing the derived keys is sound and saves two PBKDF2 runs per seal.
   */
  async ironSealKeys(
    entry: KeyEntry,
    binding: IronBinding,
  ): Promise<{
    encryptionSalt: string;
    integritySalt: string;
    encryptionKey: CryptoKey;
    integrityKey: CryptoKey;
  }> {
    const slot = ironSlot(entry, binding);
    let own = this.#ironOwn.get(slot);
    if (!own) {
      own = {
        encryptionSalt: toHex(randomBytes(IRON_SALT_BYTES)),
        integritySalt: toHex(randomBytes(IRON_SALT_BYTES)),
      };
      this.#ironOwn.set(slot, own);
    }
    if (!own.encryptionKey || !own.integrityKey) {
      const password = await this.ironPassword(entry, binding);
      own.encryptionKey ??= await deriveIron(password, own.encryptionSalt, "aes-256-cbc");
      own.integrityKey ??= await deriveIron(password, own.integritySalt, "sha256");
    }
    return {
      encryptionSalt: own.encryptionSalt,
      integritySalt: own.integritySalt,
      encryptionKey: own.encryptionKey,
      integrityKey: own.integrityKey,
    };
  }

  /**
   * Iron key for a salt read from a token. Our own salts hit the cache; foreign salts are derived,
   * and cached only when the caller reports (via `remember`) that the token's MAC verified.
   */
  async ironKey(
    entry: KeyEntry,
    binding: IronBinding,
    salt: string,
    kind: "aes-256-cbc" | "sha256",
  ): Promise<{ key: CryptoKey; remember: () => void }> {
    const slot = ironSlot(entry, binding);
    const own = this.#ironOwn.get(slot);
    if (own) {
      if (kind === "sha256" && salt === own.integritySalt && own.integrityKey)
        return { key: own.integrityKey, remember };
      if (kind === "aes-256-cbc" && salt === own.encryptionSalt && own.encryptionKey) {
        return { key: own.encryptionKey, remember };
      }
    }
    const cacheKey = `${slot}\u0000${kind}\u0000${salt}`;
    const cached = this.#ironForeign.get(cacheKey);
    if (cached) return { key: cached, remember };
    const key = await deriveIron(await this.ironPassword(entry, binding), salt, kind);
    return { key, remember: () => this.#ironForeign.set(cacheKey, key) };
  }
}

function remember(): void {}

/** Cache slot of one secret under one binding. Bindings are HKDF infos ("sealed-session/…"), never "raw". */
const ironSlot = (entry: KeyEntry, binding: IronBinding) => `${entry.index}\u0000${binding ?? "raw"}`;

async function deriveIron(
  password: string,
  salt: string,
  algorithm: "aes-256-cbc" | "sha256",
): Promise<CryptoKey> {
  const { key } =
    algorithm === "sha256"
      ? await generateKey(password, { algorithm, iterations: 1, minPasswordlength: MIN_SECRET_LENGTH, salt })
      : await generateKey(password, { algorithm, iterations: 1, minPasswordlength: MIN_SECRET_LENGTH, salt });
  return key;
}
