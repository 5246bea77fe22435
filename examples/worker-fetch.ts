// A plain Workers fetch handler with createSessions: load, use, commit onto the response.
import { createSessions } from "sealed-session";

interface Env {
  SESSION_SECRETS: string;
}

let sessions: ReturnType<typeof createSessions<{ views: number }>> | undefined;

export default {
  async fetch(request, env): Promise<Response> {
    // Build the manager once per isolate (keys are derived once), not once per request.
    sessions ??= createSessions<{ views: number }>({ secrets: env.SESSION_SECRETS });
    const session = await sessions.load(request);
    session.data.views = (session.data.views ?? 0) + 1;

    const response = Response.json({ views: session.data.views });
    await sessions.commit(session, response.headers); // appends Set-Cookie, Cache-Control
    return response;
  },
} satisfies ExportedHandler<Env>;
