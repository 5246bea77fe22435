// Logging out (SessionStorage form): destroySession clears the cookie and, with the revocation
// store, revokes the session id, so a copy of the cookie kept elsewhere stops working too.
import { redirect } from "react-router";
import { destroySession, getSession } from "../sessions.server";
import type { Route } from "./+types/logout";

export async function action({ request }: Route.ActionArgs) {
  const session = await getSession(request.headers.get("Cookie"));
  return redirect("/", { headers: { "Set-Cookie": await destroySession(session) } });
}
