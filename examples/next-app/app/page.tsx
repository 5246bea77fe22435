// A Server Component: reads the session (read-only: it cannot set cookies).
import { cookies } from "next/headers";
import { sessions } from "../lib/session";
import { login, logout } from "./actions";
import { Notice } from "./notice";

export default async function Home() {
  const session = await sessions.read(await cookies());
  return (
    <main>
      <h1>sealed-session on Next.js</h1>
      {/* A new key after each login, so the notice is asked for again. */}
      <Notice key={session.issuedAt} />
      <p>
        User: <span id="user">{session.userId ?? "anonymous"}</span>
      </p>
      <p>
        Count: <span id="count">{session.data.count ?? 0}</span>
      </p>
      <p>
        Idle until: <span id="idle">{session.idleExpiresAt ?? ""}</span>
      </p>
      <form action="/api/counter" method="post">
        <button id="increment" type="submit">
          Add one (Route Handler)
        </button>
      </form>
      {session.userId === undefined ? (
        <form id="login" action={login}>
          <input id="name" name="name" placeholder="name" />
          <button type="submit">Log in (Server Action)</button>
        </form>
      ) : (
        <form id="logout" action={logout}>
          <button type="submit">Log out</button>
        </form>
      )}
    </main>
  );
}
