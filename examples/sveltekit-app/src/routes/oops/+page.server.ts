import type { PageServerLoad } from "./$types";

// A load that fails after changing the session: SvelteKit renders its error page (500), and the
// change is committed onto it all the same.
export const load: PageServerLoad = ({ locals: { session } }) => {
  session.flash("notice", "Something went wrong");
  throw new Error("the page broke");
};
