// Bearer tokens through the session manager, without a framework: a Worker's fetch handler.
import { createSessions, type Sessions, sessionTokens } from "sealed-session";

interface Env {
  SESSION_SECRETS: string;
  TOKEN_SIGNING_KEYS: string;
}
type Data = { role: string };

// One manager per env: keys are imported once per isolate.
const managers = new WeakMap<Env, Sessions<Data, Record<string, unknown>>>();
function sessionsFor(env: Env) {
  let sessions = managers.get(env);
  if (sessions === undefined) {
    sessions = createSessions<Data>({
      secrets: env.SESSION_SECRETS,
      tokens: sessionTokens({
        signingKeys: env.TOKEN_SIGNING_KEYS,
        issuer: "my-app",
        audience: "my-api",
        claims: ["role"], // the only custom claim a token may carry; anyone holding it can read it
      }),
    });
    managers.set(env, sessions);
  }
  return sessions;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const sessions = sessionsFor(env);
    const { pathname } = new URL(request.url);
    if (request.method === "POST" && pathname === "/login") {
      const session = await sessions.load(request);
      session.login("alice"); // after checking a password
      session.data.role = "editor";
      const response = Response.json({ user: "alice" });
      await sessions.commit(session, response.headers);
      return response;
    }
    if (request.method === "POST" && pathname === "/token") {
      const session = await sessions.load(request); // the cookie, never Authorization
      if (session.userId === undefined) return Response.json({ error: "not logged in" }, { status: 401 });
      const { token, expiresAt } = await sessions.issueToken(session, {
        claims: { role: session.data.role },
      });
      return Response.json({ token, expiresAt }, { headers: { "cache-control": "no-store" } });
    }
    if (pathname === "/api/me") {
      const result = await sessions.verifyToken(request); // Authorization: Bearer, never the cookie
      if (!result.ok) {
        const status = result.reason === "revocation_unavailable" ? 503 : 401;
        return Response.json({ error: result.reason }, { status });
      }
      return Response.json(
        { user: result.claims.sub, role: result.claims.role },
        { headers: { "cache-control": "no-store" } },
      );
    }
    return Response.json({ error: "not found" }, { status: 404 });
  },
};
