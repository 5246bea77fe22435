// An existing Worker gets sessions with a two-line change: wrap its fetch handler in withSessions,
// and take the session as a fourth argument.
import { withSessions } from "sealed-session/workers";

interface Env {
  SESSION_SECRETS: string;
}

export default withSessions<{ views: number }, Env>(
  (env) => ({ secrets: env.SESSION_SECRETS }),
  async (request, _env, _ctx, session) => {
    if (new URL(request.url).pathname === "/logout") {
      session.destroy();
      return new Response("Logged out");
    }
    session.data.views = (session.data.views ?? 0) + 1;
    return new Response(`views: ${session.data.views}`);
  },
) satisfies ExportedHandler<Env>;
