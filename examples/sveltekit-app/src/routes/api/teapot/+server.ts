import { error } from "@sveltejs/kit";
import type { RequestHandler } from "./$types";

// An endpoint that throws error() after changing the session: the 418 carries the change.
export const GET: RequestHandler = ({ locals: { session } }) => {
  session.flash("notice", "I am a teapot");
  error(418, "I am a teapot");
};
