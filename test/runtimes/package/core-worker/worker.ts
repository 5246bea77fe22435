// The smallest useful Worker that uses only the core: a view counter in a sealed cookie. Bundled by
// tree-shaking.test.ts with `wrangler deploy --dry-run` to check what a core-only app pays for.
import { createSessions } from "sealed-session";

interface Env {
  readonly SESSION_SECRETS: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const sessions = createSessions<{ views: number }>({ secrets: env.SESSION_SECRETS });
    const session = await sessions.load(request);
    session.data.views = (session.data.views ?? 0) + 1;
    const headers = new Headers({ "content-type": "text/plain" });
    await sessions.commit(session, headers);
    return new Response(`views: ${session.data.views}\n`, { headers });
  },
};
