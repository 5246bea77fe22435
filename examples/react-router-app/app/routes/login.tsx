// Logging in (SessionStorage form): storage.login() gives the session a new id and binds the user.
import { data, Form, redirect } from "react-router";
import { commitSession, getSession, storage } from "../sessions.server";
import type { Route } from "./+types/login";

export async function loader({ request }: Route.LoaderArgs) {
  const session = await getSession(request.headers.get("Cookie"));
  const error = session.get("error") ?? null;
  return data({ error }, { headers: { "Set-Cookie": await commitSession(session) } });
}

export async function action({ request }: Route.ActionArgs) {
  const session = await getSession(request.headers.get("Cookie"));
  const user = String((await request.formData()).get("user") ?? "").trim();
  if (user === "") {
    session.flash("error", "Say who you are");
    return redirect("/login", { headers: { "Set-Cookie": await commitSession(session) } });
  }
  // ...check a password first. A new session id (no fixation); the anonymous session's data stays.
  storage.login(session, user);
  session.flash("notice", `Welcome, ${user}`);
  return redirect("/", { headers: { "Set-Cookie": await commitSession(session) } });
}

export default function Login({ loaderData }: Route.ComponentProps) {
  return (
    <main>
      {loaderData.error && <p id="error">{loaderData.error}</p>}
      <Form method="post">
        <input name="user" aria-label="Name" />
        <button type="submit">Log in</button>
      </Form>
    </main>
  );
}
