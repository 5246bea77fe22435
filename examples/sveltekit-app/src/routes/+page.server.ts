import type { PageServerLoad } from "./$types";

// A page: every visit counts, and a notice flashed by the previous request shows once.
export const load: PageServerLoad = ({ locals: { session } }) => {
  const views = (session.data.views ?? 0) + 1;
  session.data.views = views;
  return { user: session.userId ?? null, views, notice: session.flash("notice") ?? null };
};
