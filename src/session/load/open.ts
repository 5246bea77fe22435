/**
 * Load step 2: open the cookie's token. A token this manager already verified (or sealed itself)
 * comes from the token cache without crypto; any other is checked for size before any crypto,
 * then opened in an accepted format and parsed as JSON.
 */
import { openToken } from "../../codec/open.ts";
import type { Opened } from "../../codec/types.ts";
import { maxTokenBytes } from "../../cookie/write.ts";
import { UnsealError } from "../../errors.ts";
import type { CookieBinding, ManagerState } from "../config.ts";

export interface OpenedCookie {
  readonly opened: Opened;
  /** The parsed plaintext: an envelope, or (iron-session's cookies) a plain value. */
  readonly value: unknown;
  /** Opened now rather than found in the cache: remember it once its envelope is accepted. */
  readonly fresh: boolean;
}

/**
 * Throws `UnsealError` with the reason; never anything else for bad input. `binding` is the cookie
 * name the token came under (the current one, or a previous name): its keys are bound to it.
 */
export async function openCookie(
  state: ManagerState,
  token: string,
  now: number,
  binding: CookieBinding = state.current,
): Promise<OpenedCookie> {
  if (token.length > maxTokenBytes(binding.cookie)) throw new UnsealError("too_large");
  let opened = state.tokens.get(token);
  const fresh = opened === undefined;
  if (opened === undefined) {
    if (!state.keyring.isReady) await state.keyring.ready();
    opened = await openToken(state.keyring, token, {
      accept: state.read,
      jweInfo: binding.jweInfo,
      // Unbound (raw-secret) iron tokens are tried only while something may still need them.
      ironBindings:
        state.adoptIronSessions || now <= state.legacyIronUntil ? binding.ironBoundOrRaw : binding.ironBound,
      now,
      toleranceMs: state.toleranceMs,
    });
  } else if (opened.expiresAt !== undefined && now > opened.expiresAt + state.toleranceMs) {
    throw new UnsealError("expired");
  }
  let value: unknown;
  try {
    value = JSON.parse(opened.plaintext);
  } catch {
    throw new UnsealError("malformed");
  }
  return { opened, value, fresh };
}
