// The session as JSON. Not behind the proxy, so it sees the cookie exactly as the browser sent it
// (a rejected one's reason included) and clears a rejected cookie itself, through commit.
import { cookies } from "next/headers";
import { sessions } from "../../../lib/session";

export async function GET() {
  const jar = await cookies();
  const session = await sessions.load(jar);
  const me = {
    user: session.userId ?? null,
    count: session.data.count ?? 0,
    note: session.data.note?.length ?? 0,
    invalidReason: session.invalidReason ?? null,
    idleExpiresAt: session.idleExpiresAt ?? null,
  };
  const { headers } = await sessions.commit(session, jar);
  return Response.json(me, { headers });
}
