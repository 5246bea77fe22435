// Reads the flash notice once: reading removes it, and commit writes the session without it.
import { cookies } from "next/headers";
import { sessions } from "../../../lib/session";

export async function POST() {
  const jar = await cookies();
  const session = await sessions.load(jar);
  const notice = session.flash("notice") ?? null;
  const { headers } = await sessions.commit(session, jar);
  return Response.json({ notice }, { headers });
}
