import { redirect } from "@sveltejs/kit";
import type { Actions } from "./$types";

export const actions: Actions = {
  // Ends the session: the cookie is cleared and, with a revocation store, its id revoked.
  default: ({ locals: { session } }) => {
    session.destroy();
    redirect(303, "/");
  },
};
