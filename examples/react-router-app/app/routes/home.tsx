// A page that counts its views in the session and shows a flash notice once (SessionStorage form).
import { data, Form } from "react-router";
import { commitSession, getSession, storage } from "../sessions.server";
import type { Route } from "./+types/home";

export async function loader({ request }: Route.LoaderArgs) {
  const session = await getSession(request.headers.get("Cookie"));
  const views = (session.get("views") ?? 0) + 1;
  session.set("views", views);
  const notice = session.get("notice") ?? null; // a flash value: this read removes it
  const user = storage.sessionOf(session).userId ?? null;
  // React Router adds a loader's Set-Cookie to the page's response.
  return data({ user, views, notice }, { headers: { "Set-Cookie": await commitSession(session) } });
}

// A page that depends on the session must not be stored by a shared cache.
export const headers: Route.HeadersFunction = () => ({ "Cache-Control": "private, no-store" });

export default function Home({ loaderData }: Route.ComponentProps) {
  const { user, views, notice } = loaderData;
  return (
    <main>
      {notice && <p id="notice">{notice}</p>}
      <p id="user">{user ?? "anonymous"}</p>
      <p id="views">{views}</p>
      {user ? (
        <Form method="post" action="/logout">
          <button type="submit">Log out</button>
        </Form>
      ) : (
        <a href="/login">Log in</a>
      )}
    </main>
  );
}
