import { createSessions } from "sealed-session";

/** A `fetch(request)` handler that counts each visitor's views in a sealed cookie. */
export function viewCounter(secrets: string) {
  const sessions = createSessions<{ views: number }>({ secrets });
  return async function fetch(request: Request): Promise<Response> {
    const session = await sessions.load(request);
    session.data.views = (session.data.views ?? 0) + 1;
    const headers = new Headers({ "content-type": "text/plain" });
    await sessions.commit(session, headers);
    return new Response(`${session.data.views} views`, { headers });
  };
}
// Deno.serve(viewCounter(Deno.env.get("SESSION_SECRETS")!)) · Bun.serve({ fetch: viewCounter(…) })
