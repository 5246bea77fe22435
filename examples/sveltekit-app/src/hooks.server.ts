// Sessions for every request: `sessions()` loads the session into event.locals and commits it onto
// whatever response the request ends in. `guard` runs after it, so it can read the session.

import { redirect } from "@sveltejs/kit";
import { type Handle, sequence } from "@sveltejs/kit/hooks";
import { memoryRevocationStore } from "sealed-session";
import { sessions } from "sealed-session/sveltekit";
import { SESSION_SECRETS } from "$app/env/private";

const session = sessions({
  // Newest first, comma-separated (`npx sealed-session secret` makes one).
  secrets: SESSION_SECRETS ?? "",
  // Logout revokes the session id, so a copy of the cookie stops working. Memory is enough for one
  // process; with several, use a shared store (docs/revocation.md).
  revocation: memoryRevocationStore(),
  // Up to two cookies, so /api/note can show a session that spans several (chunks).
  cookie: { maxBytes: 2 * 4096 },
});

/** /account needs a logged-in user: say why, and send anybody else to the login form. */
const guard: Handle = ({ event, resolve }) => {
  if (event.url.pathname.startsWith("/account") && event.locals.session.userId === undefined) {
    event.locals.session.flash("notice", "Log in first");
    redirect(303, "/login");
  }
  return resolve(event);
};

export const handle = sequence(session, guard);
