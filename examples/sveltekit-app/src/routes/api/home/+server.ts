import { redirect } from "@sveltejs/kit";
import type { RequestHandler } from "./$types";

// An endpoint that throws redirect() after changing the session: the redirect carries the change.
export const GET: RequestHandler = ({ locals: { session } }) => {
  session.flash("notice", "Back home");
  redirect(307, "/");
};
