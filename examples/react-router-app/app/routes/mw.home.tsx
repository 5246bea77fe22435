// The session in the context: the core Session (data, flash, login, destroy), typed.
import { sessions } from "../sessions.server";
import type { Route } from "./+types/mw.home";

export function loader({ context }: Route.LoaderArgs) {
  const session = context.get(sessions.context);
  session.data.views = (session.data.views ?? 0) + 1;
  return { user: session.userId ?? null, views: session.data.views, notice: session.flash("notice") ?? null };
}

export default function Home({ loaderData }: Route.ComponentProps) {
  const { user, views, notice } = loaderData;
  return (
    <main>
      {notice && <p id="notice">{notice}</p>}
      <p id="user">{user ?? "anonymous"}</p>
      <p id="views">{views}</p>
    </main>
  );
}
