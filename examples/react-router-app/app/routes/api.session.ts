// A JSON resource route (SessionStorage form): GET reads the session, POST counts a view.
import { commitSession, getSession, storage } from "../sessions.server";
import type { Route } from "./+types/api.session";

export async function loader({ request }: Route.LoaderArgs) {
  const session = await getSession(request.headers.get("Cookie"));
  const { userId, invalidReason, storedIn } = storage.sessionOf(session);
  const body = {
    user: userId ?? null,
    views: session.get("views") ?? 0,
    invalid: invalidReason ?? null,
    storedIn,
  };
  // Commit even when only reading: it re-seals a cookie sealed with an older secret, refreshes an
  // idle session and clears a rejected cookie. An empty string when there is nothing to write.
  return Response.json(body, {
    headers: { "Set-Cookie": await commitSession(session), "Cache-Control": "private, no-store" },
  });
}

export async function action({ request }: Route.ActionArgs) {
  const session = await getSession(request.headers.get("Cookie"));
  session.set("views", (session.get("views") ?? 0) + 1);
  return Response.json(
    { views: session.get("views") },
    { headers: { "Set-Cookie": await commitSession(session), "Cache-Control": "private, no-store" } },
  );
}
