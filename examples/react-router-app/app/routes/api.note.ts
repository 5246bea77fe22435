// A note of any length (SessionStorage form): past what one cookie holds, the session's data moves
// to the server-side store and the cookie keeps a small sealed pointer.
import { commitSession, getSession, storage } from "../sessions.server";
import type { Route } from "./+types/api.note";

export async function loader({ request }: Route.LoaderArgs) {
  const session = await getSession(request.headers.get("Cookie"));
  const { storedIn } = storage.sessionOf(session);
  return Response.json(
    { note: session.get("note") ?? null, storedIn },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

export async function action({ request }: Route.ActionArgs) {
  // JSON only: a form-capable body could come from another site.
  if (request.method !== "PUT" || !request.headers.get("content-type")?.startsWith("application/json")) {
    return Response.json({ error: "PUT JSON" }, { status: 415 });
  }
  const { note } = (await request.json()) as { note?: unknown };
  const session = await getSession(request.headers.get("Cookie"));
  session.set("note", String(note ?? ""));
  const cookie = await commitSession(session);
  const { storedIn } = storage.sessionOf(session);
  return Response.json(
    { storedIn },
    { headers: { "Set-Cookie": cookie, "Cache-Control": "private, no-store" } },
  );
}
