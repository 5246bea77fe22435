/**
 * The envelope: what a session cookie seals. A JSON array, so no field names travel:
 *
 *   v2: [2, id, issuedAt, lifetime, seen, flags, userId, authAt, dataVersion, data, flash?]
 *   v1: [1, id, issuedAt, lifetime, seen, flags, userId, data, flash?]          (0.1; read forever)
 *
 * - id          session id, 16 random bytes in base64url
 * - issuedAt    ms since the epoch; `revokeUser` compares it in ms
 * - lifetime    absolute lifetime in seconds: expiry = issuedAt + lifetime
 * - seen        seconds after issuedAt of the last refresh (the idle clock's start)
 * - flags       bit 0: browser-session cookie (no Max-Age); bit 1: known to a registry
 * - userId      bound user, or null
 * - authAt      seconds after issuedAt of the user's last authentication (0 at login; may be
 *               negative for a session made from an older one); ignored without a user
 * - dataVersion the app's data schema version (0 unless the app versions its data)
 * - data        the app's object, or — when the data lives in a server-side store — the string key
 *               of its record
 * - flash       one-time values, omitted when empty
 *
 * Compared with v1 a cookie-only session grows by four bytes of plaintext (",0,0"). A release keeps a
 * reader for every version it ever wrote, and writes only the newest: a v1 cookie is re-sealed as v2
 * when it is written anyway, never just because it is v1.
 */
import { UnsealError } from "../errors.ts";

export const ENVELOPE_VERSION = 2;
export const FLAG_BROWSER_SESSION = 1;
export const FLAG_REGISTERED = 2;

export interface Envelope {
  id: string;
  issuedAt: number;
  lifetime: number;
  seen: number;
  flags: number;
  userId: string | null;
  /** ms since the epoch of the last authentication; null without a user. */
  authAt: number | null;
  dataVersion: number;
  /** The data, when it lives in the cookie (for a stored session: what the store returned). */
  data: Record<string, unknown>;
  /** Key of the data's record in a server-side store, when the data lives there. */
  store: string | undefined;
  flash: Record<string, unknown> | undefined;
}

/**
 * Serializes an envelope whose `data` and `flash` JSON are already validated and given as text.
 * A stored session's `dataJson` is ignored: the cookie carries the record key instead.
 */
export function encodeEnvelope(envelope: Envelope, dataJson: string, flashJson: string | undefined): string {
  const authAt =
    envelope.userId === null || envelope.authAt === null
      ? 0
      : // Down, never up: a stored authentication time may only be older than the real one.
        Math.floor((envelope.authAt - envelope.issuedAt) / 1000);
  const head = JSON.stringify([
    ENVELOPE_VERSION,
    envelope.id,
    envelope.issuedAt,
    envelope.lifetime,
    envelope.seen,
    envelope.flags,
    envelope.userId,
    authAt,
    envelope.dataVersion,
  ]);
  const data = envelope.store === undefined ? dataJson : JSON.stringify(envelope.store);
  return `${head.slice(0, -1)},${data}${flashJson === undefined ? "" : `,${flashJson}`}]`;
}

const isInteger = (value: unknown, min: number): value is number =>
  Number.isSafeInteger(value) && (value as number) >= min;
const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const ID = /^[\w-]{22,64}$/;

/**
 * Reads an envelope from opened plaintext. `undefined` means "not an envelope at all" (a legacy
 * iron-session value, say); a malformed or unknown-version envelope throws.
 */
export function decodeEnvelope(value: unknown): Envelope | undefined {
  if (!Array.isArray(value)) return undefined;
  const version = value[0];
  if (version === 2) return decodeV2(value);
  if (version === 1) return decodeV1(value);
  if (typeof version === "number") throw new UnsealError("unsupported_version");
  throw new UnsealError("malformed");
}

function decodeV2(value: unknown[]): Envelope {
  const [, id, issuedAt, lifetime, seen, flags, userId, authAt, dataVersion, data, flash] = value;
  if (
    (value.length !== 10 && value.length !== 11) ||
    !isHead(id, issuedAt, lifetime, seen, flags, userId) ||
    !Number.isSafeInteger(authAt) ||
    !isInteger(dataVersion, 0) ||
    !(isPlainObject(data) || (typeof data === "string" && ID.test(data))) ||
    (flash !== undefined && !isPlainObject(flash))
  ) {
    throw new UnsealError("malformed");
  }
  const head = typedHead(id, issuedAt, lifetime, seen, flags, userId);
  const stored = typeof data === "string";
  return {
    ...head,
    authAt: head.userId === null ? null : head.issuedAt + (authAt as number) * 1000,
    dataVersion: dataVersion as number,
    data: stored ? {} : (data as Record<string, unknown>),
    store: stored ? data : undefined,
    flash: flash as Record<string, unknown> | undefined,
  };
}

function decodeV1(value: unknown[]): Envelope {
  const [, id, issuedAt, lifetime, seen, flags, userId, data, flash] = value;
  if (
    (value.length !== 8 && value.length !== 9) ||
    !isHead(id, issuedAt, lifetime, seen, flags, userId) ||
    !isPlainObject(data) ||
    (flash !== undefined && !isPlainObject(flash))
  ) {
    throw new UnsealError("malformed");
  }
  const head = typedHead(id, issuedAt, lifetime, seen, flags, userId);
  // v1 had no authAt: a v1 session's user logged in when its id was issued (login sets both).
  return {
    ...head,
    authAt: head.userId === null ? null : head.issuedAt,
    dataVersion: 0,
    data: data as Record<string, unknown>,
    store: undefined,
    flash: flash as Record<string, unknown> | undefined,
  };
}

type Head = Pick<Envelope, "id" | "issuedAt" | "lifetime" | "seen" | "flags" | "userId">;

/** The fields v1 and v2 share, once `isHead` has checked them. */
const typedHead = (...[id, issuedAt, lifetime, seen, flags, userId]: unknown[]): Head =>
  ({ id, issuedAt, lifetime, seen, flags, userId }) as Head;

function isHead(
  id: unknown,
  issuedAt: unknown,
  lifetime: unknown,
  seen: unknown,
  flags: unknown,
  userId: unknown,
): boolean {
  return (
    typeof id === "string" &&
    ID.test(id) &&
    isInteger(issuedAt, 0) &&
    isInteger(lifetime, 1) &&
    isInteger(seen, 0) &&
    isInteger(flags, 0) &&
    (userId === null || typeof userId === "string")
  );
}
