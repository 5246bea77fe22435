import type { CommitOptions, Sessions } from "../session/manager.ts";
import type { Session } from "../session/session.ts";

/**
 * Commits `session` onto `response`: appends its `Set-Cookie` headers (next to any the app set)
 * and `Cache-Control`. Returns the response to send — a copy when the original's headers are
 * immutable (`Response.redirect()`, a `fetch()` result) — or the same response when nothing changed.
 * Throws what `commit` throws (`CookieTooLargeError`); a failed revocation write (logout with a
 * store that is down) does not fail the response: `onStoreError` sees it.
 */
export async function commitToResponse<Data extends object, Flash extends object>(
  sessions: Sessions<Data, Flash>,
  session: Session<Data, Flash>,
  response: Response,
  options?: CommitOptions,
): Promise<Response> {
  // Commit into scratch headers first: a response's headers may be immutable, and finding that
  // out halfway through a commit would leave it half-written.
  const scratch = new Headers();
  const cacheControl = response.headers.get("cache-control");
  if (cacheControl !== null) scratch.set("cache-control", cacheControl);
  await sessions.commit(session, scratch, options);
  const cookies = scratch.getSetCookie();
  const newCacheControl = scratch.get("cache-control");
  const changesCacheControl = newCacheControl !== null && newCacheControl !== cacheControl;
  if (cookies.length === 0 && !changesCacheControl) return response;
  const apply = (headers: Headers) => {
    for (const cookie of cookies) headers.append("set-cookie", cookie);
    if (changesCacheControl) headers.set("cache-control", newCacheControl);
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
