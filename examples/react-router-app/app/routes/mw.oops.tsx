// A loader that fails after changing the session: React Router renders the error boundary, and the
// middleware commits onto that response too.
import { sessions } from "../sessions.server";
import type { Route } from "./+types/mw.oops";

export function loader({ context }: Route.LoaderArgs) {
  context.get(sessions.context).flash("notice", "Something went wrong");
  throw new Error("the database is down");
}

export default function Oops() {
  return null;
}
