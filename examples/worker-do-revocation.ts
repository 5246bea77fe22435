// Exact logout on Workers: revocations live in a Durable Object per user (sealed-session/cloudflare),
// so a logged-out or "logged out everywhere" cookie is refused on the very next request, everywhere.
// wrangler.toml binds the class (see docs/cloudflare.md):
//   [[durable_objects.bindings]]  name = "REVOCATIONS"  class_name = "SessionRevocations"
//   [[migrations]]  tag = "v1"  new_sqlite_classes = ["SessionRevocations"]
import { createSessions, RevocationWriteError } from "sealed-session";
import { durableObjectRevocationStore, type SessionRevocations } from "sealed-session/cloudflare";

// The class must be an export of the Worker's main module.
export { SessionRevocations } from "sealed-session/cloudflare";

interface Env {
  SESSION_SECRETS: string;
  /** A secret that never rotates: it names each user's object without showing the user id. */
  REVOCATION_NAMING_KEY: string;
  REVOCATIONS: DurableObjectNamespace<SessionRevocations>;
}

let sessions: ReturnType<typeof createSessions> | undefined;

export default {
  async fetch(request, env, ctx): Promise<Response> {
    sessions ??= createSessions({
      secrets: env.SESSION_SECRETS,
      revocation: durableObjectRevocationStore(env.REVOCATIONS, { namingKey: env.REVOCATION_NAMING_KEY }),
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
        if (error instanceof RevocationWriteError)
          return Response.json({ error: "try again" }, { status: 503 });
        throw error;
      }
      session.destroy();
    }

    const headers = new Headers();
    await sessions.commit(session, headers, { waitUntil });
    const user = session.isDestroyed ? null : (session.userId ?? null);
    return Response.json({ user, reason: session.invalidReason ?? null }, { headers });
  },
} satisfies ExportedHandler<Env>;
