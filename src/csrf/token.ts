/**
 * Per-session CSRF tokens that need no storage: HMAC-SHA-256 of the session id under a key of its own
 * (HKDF from each secret, bound to the purpose and the cookie name). A token names one session id, so
 * it changes whenever the id does (`login`, `regenerate`, `reauthenticated`); the id itself never
 * leaves the sealed cookie, so a page elsewhere cannot compute one. Tokens made with any listed secret
 * verify, so rotating secrets invalidates none.
 */
import { SessionDestroyedError } from "../errors.ts";
import { b64u, fromB64u, utf8 } from "../lib/bytes.ts";
import type { ManagerState } from "../session/config.ts";
import type { Session } from "../session/session.ts";

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

async function mac(state: ManagerState, index: number, sessionId: string): Promise<Uint8Array> {
  const entry = state.keyring.entries[index]!;
  const key = await state.keyring.hmacKey(entry, state.csrfInfo);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8.encode(sessionId)));
}

/**
 * The session's CSRF token (43 characters, base64url). Asking for one persists a new anonymous
 * session: without a cookie its id — and so its token — would change on every request.
 */
export async function csrfToken(state: ManagerState, session: Session<object, object>): Promise<string> {
  if (session.isDestroyed) throw new SessionDestroyedError("issue a CSRF token for");
  if (session.isNew) session._dirty = true;
  return b64u(await mac(state, 0, session.id));
}

/** Whether `token` is this session's CSRF token, compared in constant time against every secret's. */
export async function verifyCsrfToken(
  state: ManagerState,
  session: Session<object, object>,
  token: unknown,
): Promise<boolean> {
  // A new session has no cookie yet, so no page can hold its token: nothing to match.
  if (typeof token !== "string" || !TOKEN.test(token) || session.isDestroyed || session.isNew) return false;
  let given: Uint8Array;
  try {
    given = fromB64u(token);
  } catch {
    return false;
  }
  let match = false;
  for (let index = 0; index < state.keyring.entries.length; index++) {
    if (equal(given, await mac(state, index, session.id))) match = true;
  }
  return match;
}

/** Constant time for equal lengths: every byte is compared, whatever differs first. */
function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
