import { fail, redirect } from "@sveltejs/kit";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = ({ locals: { session } }) => ({
  notice: session.flash("notice") ?? null,
});

export const actions: Actions = {
  // A form action: log in (a new session id, so no fixation), flash a welcome, redirect.
  default: async ({ request, locals: { session } }) => {
    const user = (await request.formData()).get("user");
    if (typeof user !== "string" || user === "") return fail(400, { missing: true });
    // ...check the password here first.
    session.login(user);
    session.flash("notice", `Welcome, ${user}`);
    redirect(303, "/");
  },
};
