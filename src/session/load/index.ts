/**
 * Loading a session, in steps: read the cookie → open it → accept the envelope → check the registry
 * (logged-in sessions, when one is configured) or revocation → read the data from the store (sessions
 * whose data lives there).
 * Each step is a function of the manager's state in a file of its own; this composes them and turns
 * every refusal into a new anonymous session with its reason — `load` never throws.
 */
import { readSessionCookie } from "../../cookie/read.ts";
import { type ReasonCode, UnsealError } from "../../errors.ts";
import type { ManagerState } from "../config.ts";
import { FLAG_REGISTERED } from "../envelope.ts";
import { Session } from "../session.ts";
import { type Accepted, acceptEnvelope } from "./accept.ts";
import { loadStoredData } from "./data.ts";
import { openCookie } from "./open.ts";
import { checkRegistry } from "./registry.ts";
import { checkRevocation } from "./revocation.ts";

export async function loadSession<Data extends object, Flash extends object>(
  state: ManagerState,
  request: Request | Headers,
): Promise<Session<Data, Flash>> {
  const headers = request instanceof Headers ? request : request.headers;
  const read = readSessionCookie(headers.get("cookie"), state.cookie);
  if (read.problem) return fresh(state, read.present, read.problem, headers);
  if (read.token === undefined) return fresh(state, read.present, undefined, headers);
  const now = state.context.now();
  let accepted: Accepted;
  try {
    const opened = await openCookie(state, read.token, now);
    accepted = acceptEnvelope(state, opened, now);
    // Remember only tokens that opened and hold a well-formed, live envelope.
    if (opened.fresh) state.tokens.set(read.token, opened.opened);
  } catch (error) {
    return fresh(state, read.present, error instanceof UnsealError ? error.code : "malformed", headers);
  }
  const { envelope } = accepted;
  const userAgent = headers.get("user-agent");

  const answer =
    state.registry && envelope.userId !== null
      ? await checkRegistry(state, envelope, userAgent, now)
      : await checkRevocation(state, envelope);
  if (answer === "unavailable") {
    const session = fresh<Data, Flash>(state, read.present, "revocation_unavailable", headers);
    session._readOnly = true;
    return session;
  }
  if (answer === "revoked") {
    state.tokens.delete(read.token);
    return fresh(state, read.present, "revoked", headers);
  }
  let storedJson: string | undefined;
  if (envelope.store !== undefined) {
    const stored = await loadStoredData(state, envelope, now);
    if (stored === "unavailable") {
      const session = fresh<Data, Flash>(state, read.present, "store_unavailable", headers);
      session._readOnly = true;
      return session;
    }
    if (stored === "revoked") {
      state.tokens.delete(read.token);
      return fresh(state, read.present, "revoked", headers);
    }
    envelope.data = stored.data;
    storedJson = stored.json;
  }

  const session = new Session<Data, Flash>(state.context, envelope, {
    isNew: false,
    present: read.present,
    loadedJson: snapshot(envelope.data, envelope.flash ?? {}),
  });
  session._reseal = accepted.reseal;
  session._token = read.token;
  session._arrivedBytes = read.bytes;
  session._userAgent = userAgent;
  if (storedJson !== undefined) {
    session._storeOwner = envelope.id;
    session._storeBase = storedJson;
  }
  if (state.registry && envelope.userId !== null) {
    session._registeredId = envelope.id;
    // Adopted now: say so in the cookie, so later requests check rather than adopt.
    if (answer === "adopted") {
      envelope.flags |= FLAG_REGISTERED;
      session._reseal = true;
    }
  }
  return session;
}

/** A new anonymous session; with a reason, the request's cookie was refused (and `onInvalid` hears of it). */
function fresh<Data extends object, Flash extends object>(
  state: ManagerState,
  present: readonly string[],
  invalidReason: ReasonCode | undefined,
  headers: Headers,
): Session<Data, Flash> {
  if (invalidReason !== undefined && state.onInvalid) {
    try {
      state.onInvalid({ reason: invalidReason, cookie: state.cookie.name });
    } catch (error) {
      console.error("sealed-session: onInvalid threw", error);
    }
  }
  const session = new Session<Data, Flash>(state.context, Session._fresh(state.context), {
    isNew: true,
    invalidReason,
    present,
    // An untouched new session is unchanged: commit must not write it.
    loadedJson: EMPTY_SNAPSHOT,
  });
  // Only with a registry: it labels the device a login registers.
  if (state.registry) session._userAgent = headers.get("user-agent");
  return session;
}

/** What `commit` compares the session's data and flash with, to see whether anything changed. */
export function snapshot(data: Record<string, unknown>, flash: Record<string, unknown>): string {
  const flashJson = Object.keys(flash).length > 0 ? JSON.stringify(flash) : undefined;
  return `${JSON.stringify(data)}\u0000${flashJson ?? ""}`;
}

const EMPTY_SNAPSHOT = snapshot({}, {});
