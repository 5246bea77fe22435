// A Route Handler that changes the session: GET reads the count, POST adds one.
import { cookies } from "next/headers";
import { sessions } from "../../../lib/session";

export async function GET() {
  const jar = await cookies();
  const session = await sessions.load(jar);
  // Commit even when only reading: it refreshes an idle session and clears a rejected cookie.
  const { headers } = await sessions.commit(session, jar);
  return Response.json({ count: session.data.count ?? 0 }, { headers });
}

export async function POST(request: Request) {
  const jar = await cookies();
  const session = await sessions.load(jar);
  session.data.count = (session.data.count ?? 0) + 1;
  // `headers` holds Cache-Control: private, no-store (Next adds none to Route Handler responses).
  const { headers } = await sessions.commit(session, jar);
  if (request.headers.get("accept")?.includes("application/json")) {
    return Response.json({ count: session.data.count }, { headers });
  }
  // A form post goes back to the page; 303 makes the browser follow with GET.
  headers.set("location", "/");
  return new Response(null, { status: 303, headers });
}
