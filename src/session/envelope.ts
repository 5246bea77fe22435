/**
 * The envelope: what a session cookie seals. A JSON array, so no field names travel:
 *
 *   [version, id, issuedAt, lifetime, seen, flags, userId, data, flash?]
 *
 * - version   1 (a later release keeps a reader for every version it ever wrote)
 * - id        session id, 16 random bytes in base64url
 * - issuedAt  ms since the epoch; `revokeUser` compares it in ms
 * - lifetime  absolute lifetime in seconds: expiry = issuedAt + lifetime
 * - seen      seconds after issuedAt of the last refresh (the idle clock's start)
 * - flags     bit 0: browser-session cookie (no Max-Age)
 * - userId    bound user, or null
 * - data      the app's object
 * - flash     one-time values, omitted when empty
 */
import { UnsealError } from "../errors.ts";

export const ENVELOPE_VERSION = 1;
export const FLAG_BROWSER_SESSION = 1;

export interface Envelope {
  id: string;
  issuedAt: number;
  lifetime: number;
  seen: number;
  flags: number;
  userId: string | null;
  data: Record<string, unknown>;
  flash: Record<string, unknown> | undefined;
}

/** Serializes an envelope whose `data` and `flash` JSON are already validated and given as text. */
export function encodeEnvelope(envelope: Envelope, dataJson: string, flashJson: string | undefined): string {
  const head = JSON.stringify([
    ENVELOPE_VERSION,
    envelope.id,
    envelope.issuedAt,
    envelope.lifetime,
    envelope.seen,
    envelope.flags,
    envelope.userId,
  ]);
  return `${head.slice(0, -1)},${dataJson}${flashJson === undefined ? "" : `,${flashJson}`}]`;
}

const isInteger = (value: unknown, min: number): value is number =>
  Number.isSafeInteger(value) && (value as number) >= min;
const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Reads an envelope from opened plaintext. `undefined` means "not an envelope at all" (a legacy
 * iron-session value, say); a malformed or unknown-version envelope throws.
 */
export function decodeEnvelope(value: unknown): Envelope | undefined {
  if (!Array.isArray(value)) return undefined;
  const [version, id, issuedAt, lifetime, seen, flags, userId, data, flash] = value as unknown[];
  if (typeof version === "number" && version !== ENVELOPE_VERSION)
    throw new UnsealError("unsupported_version");
  if (
    version !== ENVELOPE_VERSION ||
    (value.length !== 8 && value.length !== 9) ||
    typeof id !== "string" ||
    !/^[\w-]{22,64}$/.test(id) ||
    !isInteger(issuedAt, 0) ||
    !isInteger(lifetime, 1) ||
    !isInteger(seen, 0) ||
    !isInteger(flags, 0) ||
    (userId !== null && typeof userId !== "string") ||
    !isPlainObject(data) ||
    (flash !== undefined && !isPlainObject(flash))
  ) {
    throw new UnsealError("malformed");
  }
  return { id, issuedAt, lifetime, seen, flags, userId, data, flash };
}
