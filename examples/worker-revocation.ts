// Real logout on Workers: revoked ids and "log out everywhere" cutoffs live in KV (binding SESSIONS).
import { createSessions, RevocationWriteError } from "sealed-session";
import { kvRevocationStore } from "sealed-session/revocation";

interface Env {
  SESSION_SECRETS: string;
  SESSIONS: KVNamespace;
}

let sessions: ReturnType<typeof createSessions> | undefined;

export default {
  async fetch(request, env, ctx): Promise<Response> {
    sessions ??= createSessions({
      secrets: env.SESSION_SECRETS,
      revocation: { store: kvRevocationStore(env.SESSIONS), onStoreError: "closed" },
    });
    const waitUntil = (promise: Promise<unknown>) => ctx.waitUntil(promise);
    const session = await sessions.load(request); // a revoked cookie loads as anonymous, reason "revoked"
    const { pathname, searchParams } = new URL(request.url);

    if (pathname === "/login") session.login(searchParams.get("user") ?? "ada");
    if (pathname === "/logout") session.destroy(); // commit revokes this session id
    if (pathname === "/logout-all" && session.userId !== undefined) {
      try {
        await sessions.revokeUser(session.userId, { waitUntil });
      } catch (error) {
        // KV could not record it: say so instead of pretending every device is logged out.
        if (error instanceof RevocationWriteError)
          return Response.json({ error: "try again" }, { status: 503 });
        throw error;
      }
      session.destroy();
    }

    const headers = new Headers();
    // The cookie is cleared or replaced either way; a failed write is retried after the response.
    const { revocationError } = await sessions.commit(session, headers, { waitUntil });
    const user = session.isDestroyed ? null : (session.userId ?? null);
    return Response.json({ user, revocationPending: revocationError !== undefined }, { headers });
  },
} satisfies ExportedHandler<Env>;
