// JSON (route middleware form): GET reads, PUT stores a note (large ones span two cookies), DELETE logs out.
import { sessions } from "../sessions.server";
import type { Route } from "./+types/mw.api";

export function loader({ context }: Route.LoaderArgs) {
  const session = context.get(sessions.context);
  return Response.json({
    user: session.userId ?? null,
    views: session.data.views ?? 0,
    note: session.data.note ?? null,
    invalid: session.invalidReason ?? null,
  });
}

export async function action({ request, context }: Route.ActionArgs) {
  const session = context.get(sessions.context);
  if (request.method === "DELETE") {
    session.destroy(); // revoked with the revocation store
    return Response.json({ user: null });
  }
  if (request.method !== "PUT" || !request.headers.get("content-type")?.startsWith("application/json")) {
    return Response.json({ error: "PUT JSON" }, { status: 415 });
  }
  const { note } = (await request.json()) as { note?: unknown };
  session.data.note = String(note ?? "");
  return Response.json({ bytes: sessions.manager.estimateSize(session) });
}
