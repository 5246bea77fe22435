import { cookies } from "next/headers";
import { nextSessions } from "sealed-session/next";

const sessions = nextSessions(() => ({ secrets: process.env.SESSION_SECRETS ?? "", idleTimeout: 60 * 60 }));

export default async function Home() {
  const session = await sessions.read(await cookies());
  return (
    <p>
      <span id="user">{session.userId ?? "anonymous"}</span> <span id="idle">{session.idleExpiresAt}</span>
    </p>
  );
}
