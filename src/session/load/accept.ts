/**
 * Load step 3: accept an opened value as a session envelope, or refuse it with a reason. Reads
 * every envelope version a release ever wrote, adopts iron-session's plain values when asked, and
 * checks the absolute and idle expiry from inside the seal.
 */
import { UnsealError } from "../../errors.ts";
import type { ManagerState } from "../config.ts";
import { decodeEnvelope, type Envelope } from "../envelope.ts";
import { Session } from "../session.ts";
import type { OpenedCookie } from "./open.ts";

export interface Accepted {
  readonly envelope: Envelope;
  /** Sealed with an older secret, another format, a legacy key id or password: write it anew. */
  readonly reseal: boolean;
}

/** Throws `UnsealError` with the reason. */
export function acceptEnvelope(state: ManagerState, { opened, value }: OpenedCookie, now: number): Accepted {
  const { context } = state;
  let envelope = decodeEnvelope(value);
  let reseal =
    opened.entry.index !== 0 ||
    opened.foreignKeyId ||
    opened.format !== state.write ||
    opened.unbound === true;
  if (envelope) {
    // A 0.1 iron cookie (raw secret): read only inside the transition window, then re-sealed bound.
    if (opened.unbound && now > state.legacyIronUntil) throw new UnsealError("bad_seal");
  } else if (
    state.adoptIronSessions &&
    opened.unbound === true &&
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value)
  ) {
    // A plain iron value, as iron-session stores it: adopt it so a migration logs nobody out.
    const fallbackExpiry = now + context.maxAge * 1000;
    const expiresAt = Math.min(opened.expiresAt ?? fallbackExpiry, fallbackExpiry);
    envelope = {
      ...Session._fresh(context),
      lifetime: Math.max(1, Math.ceil((expiresAt - now) / 1000)),
      data: value as Record<string, unknown>,
    };
    reseal = true;
  } else {
    throw new UnsealError("malformed");
  }
  const expiresAt = envelope.issuedAt + Math.min(envelope.lifetime, context.maxAge) * 1000;
  if (now > expiresAt + state.toleranceMs) throw new UnsealError("expired");
  if (context.idleTimeout !== undefined) {
    const idleAt = envelope.issuedAt + envelope.seen * 1000 + context.idleTimeout * 1000;
    if (now > idleAt + state.toleranceMs) throw new UnsealError("idle");
  }
  return { envelope, reseal };
}
