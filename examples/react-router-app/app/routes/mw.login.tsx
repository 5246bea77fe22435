// Logging in (route middleware form): change the session in the context; the middleware commits it.
import { Form, redirect } from "react-router";
import { sessions } from "../sessions.server";
import type { Route } from "./+types/mw.login";

export function loader({ context }: Route.LoaderArgs) {
  return { notice: context.get(sessions.context).flash("notice") ?? null };
}

export async function action({ request, context }: Route.ActionArgs) {
  const session = context.get(sessions.context);
  const user = String((await request.formData()).get("user") ?? "").trim();
  if (user === "") return redirect("/mw/login");
  session.login(user); // ...after checking a password: a new session id
  session.flash("notice", `Welcome, ${user}`);
  // No commit here: the middleware writes the cookie onto this redirect.
  return redirect("/mw");
}

export default function Login({ loaderData }: Route.ComponentProps) {
  return (
    <main>
      {loaderData.notice && <p id="notice">{loaderData.notice}</p>}
      <Form method="post">
        <input name="user" aria-label="Name" />
        <button type="submit">Log in</button>
      </Form>
    </main>
  );
}
