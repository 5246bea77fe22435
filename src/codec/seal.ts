import { ConfigError, UnsealError } from "../errors.ts";
import { Keyring, parseSecrets, type SecretInput } from "../keyring.ts";
import { toJson } from "../lib/json.ts";
import { Lru } from "../lib/lru.ts";
import { sealIron } from "./iron.ts";
import { sealJwe } from "./jwe.ts";
import { openToken } from "./open.ts";
import { FORMATS, type Format } from "./types.ts";

export interface SealOptions {
  /** Newest first. The first seals; all unseal. */
  readonly secrets: SecretInput | readonly SecretInput[];
  /** Default `"jwe"`. */
  readonly format?: Format;
  /** Lifetime in seconds; 0 or absent means the token itself never expires. */
  readonly ttl?: number;
  /**
   * Binds the token to a purpose (both formats): a token sealed for one purpose does not unseal for
   * another, nor without one. An `iron` token with a purpose is sealed under a key derived from the
   * secret, so other iron implementations cannot open it; without a purpose it uses the secret itself
   * and interoperates with iron-session, @hapi/iron and h3.
   */
  readonly purpose?: string;
  /** Appended to iron tokens, e.g. `"~2"` so iron-session v8 reads them. */
  readonly ironSuffix?: string;
  /** Clock in ms, for tests. */
  readonly now?: () => number;
}

export interface UnsealOptions {
  readonly secrets: SecretInput | readonly SecretInput[];
  /** Formats accepted; default both. */
  readonly format?: Format | readonly Format[];
  /** The purpose the token was sealed for (see `SealOptions.purpose`). */
  readonly purpose?: string;
  /**
   * With a `purpose`: also accept `iron` tokens sealed with the raw secret, as sealed-session 0.1
   * sealed iron tokens whatever their purpose — `true`, or until a `Date`. Default `false`: such a
   * token is not bound to its purpose, so accept it only while tokens from 0.1 may still arrive.
   */
  readonly acceptLegacyIron?: boolean | Date;
  /** Seconds of clock skew allowed on expiry. Default 5. */
  readonly clockTolerance?: number;
  readonly now?: () => number;
}

// Low-level calls have no manager to hold their keys, so keep a few keyrings (settled CryptoKeys only),
// found by the secrets option's identity first (no parsing on the hot path), then by its content.
const byIdentity = new WeakMap<object, Keyring>();
const RAW = [undefined] as const;
const byContent = new Lru<string, Keyring>(16);

function keyringFor(secrets: SealOptions["secrets"]): Keyring {
  if (typeof secrets === "object" && secrets !== null) {
    const known = byIdentity.get(secrets);
    if (known) return known;
  } else if (typeof secrets === "string") {
    const known = byContent.get(secrets);
    if (known) return known;
  }
  const entries = parseSecrets(secrets);
  const cacheKey =
    typeof secrets === "string"
      ? secrets
      : JSON.stringify(entries.map((entry) => [entry.pinnedId ?? null, entry.secret]));
  let keyring = byContent.get(cacheKey);
  if (!keyring) {
    keyring = new Keyring(entries);
    byContent.set(cacheKey, keyring);
  }
  if (typeof secrets === "object" && secrets !== null) byIdentity.set(secrets, keyring);
  return keyring;
}

const purposeInfo = (purpose = "default") => `sealed-session/v1 seal:${purpose}`;
/** Differs from every jwe info ("… seal:", "… cookie:", "… bearer:") in the word after the version. */
export const ironPurposeInfo = (purpose: string) => `sealed-session/v1 iron seal:${purpose}`;

/** `acceptLegacyIron` as the last ms it holds: `true` forever, a Date until then, else never. */
export function legacyDeadline(option: unknown, name: string): number {
  if (option === undefined || option === false) return Number.NEGATIVE_INFINITY;
  if (option === true) return Number.POSITIVE_INFINITY;
  if (option instanceof Date && Number.isFinite(option.getTime())) return option.getTime();
  throw new ConfigError(`\`${name}\` must be true, false or a valid Date`);
}

/** Seals any JSON value into a token (compact JWE or iron Fe26.2). */
export async function seal(value: unknown, options: SealOptions): Promise<string> {
  const keyring = keyringFor(options.secrets);
  const format = options.format ?? "jwe";
  if (!FORMATS.includes(format))
    throw new ConfigError(`\`format\` must be "jwe" or "iron", not ${String(format)}`);
  const ttl = options.ttl ?? 0;
  if (!(Number.isFinite(ttl) && ttl >= 0)) throw new ConfigError("`ttl` must be a number of seconds >= 0");
  const plaintext = toJson(value, "value");
  if (!keyring.isReady) await keyring.ready();
  const now = (options.now ?? Date.now)();
  if (format === "iron") {
    return sealIron(keyring, plaintext, {
      expiresAt: ttl ? now + Math.round(ttl * 1000) : undefined,
      suffix: options.ironSuffix ?? "",
      binding: options.purpose === undefined ? undefined : ironPurposeInfo(options.purpose),
    });
  }
  return sealJwe(
    keyring,
    purposeInfo(options.purpose),
    plaintext,
    ttl ? Math.floor(now / 1000 + ttl) : undefined,
  );
}

/**
 * Opens a token made by `seal` (or by @hapi/iron, iron-session, h3). Rejects with an `UnsealError`
 * whose `code` says why.
 */
export async function unseal<T = unknown>(token: string, options: UnsealOptions): Promise<T> {
  const keyring = keyringFor(options.secrets);
  const accept: readonly Format[] =
    options.format === undefined
      ? FORMATS
      : typeof options.format === "string"
        ? [options.format]
        : options.format;
  const legacyUntil = legacyDeadline(options.acceptLegacyIron, "acceptLegacyIron");
  if (typeof token !== "string") throw new UnsealError("malformed");
  if (!keyring.isReady) await keyring.ready();
  const now = (options.now ?? Date.now)();
  const ironBindings =
    options.purpose === undefined
      ? RAW
      : now <= legacyUntil
        ? [ironPurposeInfo(options.purpose), undefined]
        : [ironPurposeInfo(options.purpose)];
  const opened = await openToken(keyring, token, {
    accept,
    jweInfo: purposeInfo(options.purpose),
    ironBindings,
    now,
    toleranceMs: (options.clockTolerance ?? 5) * 1000,
  });
  try {
    return JSON.parse(opened.plaintext) as T;
  } catch (cause) {
    throw new UnsealError("malformed", undefined, { cause });
  }
}
