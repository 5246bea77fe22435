// A page for logged-in users. Its guard is middleware too; listing sessions.middleware again here
// does nothing (the layout has already loaded the session).
import { redirect } from "react-router";
import { sessions } from "../sessions.server";
import type { Route } from "./+types/mw.account";

export const middleware: Route.MiddlewareFunction[] = [
  sessions.middleware,
  ({ context }) => {
    const session = context.get(sessions.context);
    if (session.userId === undefined) {
      session.flash("notice", "Log in first");
      throw redirect("/mw/login"); // the session middleware commits onto the redirect
    }
  },
];

export function loader({ context }: Route.LoaderArgs) {
  return { user: context.get(sessions.context).userId ?? null };
}

export default function Account({ loaderData }: Route.ComponentProps) {
  return <p id="account">{loaderData.user}</p>;
}
