// The same calls in the edge runtime.
import { cookies } from "next/headers";
import { sessions } from "../../../lib/session";

export const runtime = "edge";

export async function POST() {
  const jar = await cookies();
  const session = await sessions.load(jar);
  session.data.count = (session.data.count ?? 0) + 1;
  const { headers } = await sessions.commit(session, jar);
  return Response.json({ count: session.data.count, runtime: process.env.NEXT_RUNTIME ?? null }, { headers });
}
