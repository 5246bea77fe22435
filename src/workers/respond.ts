import { LoginUnavailableError } from "../errors.ts";
import { CACHE_HEADERS } from "../session/cache-control.ts";
import type { CommitOptions, Sessions } from "../session/manager.ts";
import type { Session } from "../session/session.ts";

/**
 * Commits `session` onto `response`: appends its `Set-Cookie` headers (next to any the app set)
 * and `Cache-Control`. Returns the response to send — a copy when the original's headers are
 * immutable (`Response.redirect()`, a `fetch()` result) — or the same response when nothing changed.
 * Throws what `commit` throws (`CookieTooLargeError`), except a login the registry could not record
 * (`LoginUnavailableError`): that response becomes `503 {"error": "login_unavailable"}` with no
 * session cookie. A failed revocation write (logout with a store that is down) does not fail the
 * response: `onStoreError` sees it.
 */
export async function commitToResponse<Data extends object, Flash extends object>(
  sessions: Sessions<Data, Flash>,
  session: Session<Data, Flash>,
  response: Response,
  options?: CommitOptions,
): Promise<Response> {
  // Commit into scratch headers first: a response's headers may be immutable, and finding that
  // out halfway through a commit would leave it half-written. The caching headers are copied in,
  // so the commit sees (and may override) what the app set.
  const scratch = new Headers();
  for (const name of CACHE_HEADERS) {
    const value = response.headers.get(name);
    if (value !== null) scratch.set(name, value);
  }
  try {
    await sessions.commit(session, scratch, options);
  } catch (error) {
    if (!(error instanceof LoginUnavailableError)) throw error;
    // The registry could not record a login: it did not happen. Say so instead of the handler's answer.
    await response.body?.cancel().catch(() => {});
    return loginUnavailable();
  }
  const cookies = scratch.getSetCookie();
  const changed = CACHE_HEADERS.filter((name) => scratch.get(name) !== response.headers.get(name));
  if (cookies.length === 0 && changed.length === 0) return response;
  const apply = (headers: Headers) => {
    for (const cookie of cookies) headers.append("set-cookie", cookie);
    for (const name of changed) {
      const value = scratch.get(name);
      if (value === null) headers.delete(name);
      else headers.set(name, value);
    }
  };
  try {
    apply(response.headers);
    return response;
  } catch (error) {
    // Immutable headers throw on the first change, so nothing was written yet.
    if (!(error instanceof TypeError)) throw error;
    const copy = new Response(response.body, response);
    apply(copy.headers);
    return copy;
  }
}

/** What an adapter answers when a login could not be recorded (`LoginUnavailableError`): no cookie. */
export const loginUnavailable = (): Response =>
  Response.json(
    { error: "login_unavailable" },
    { status: 503, headers: { "cache-control": "private, no-store", "retry-after": "5" } },
  );
