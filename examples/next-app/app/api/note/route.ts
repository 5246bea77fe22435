// A long note makes the session span two cookies; deleting it brings it back to one.
import { cookies } from "next/headers";
import { sessions } from "../../../lib/session";

export async function PUT(request: Request) {
  const { note } = (await request.json()) as { note: string };
  const jar = await cookies();
  const session = await sessions.load(jar);
  session.data.note = note;
  const { headers } = await sessions.commit(session, jar);
  return Response.json({ note: note.length }, { headers });
}

export async function DELETE() {
  const jar = await cookies();
  const session = await sessions.load(jar);
  delete session.data.note;
  const { headers } = await sessions.commit(session, jar);
  return Response.json({ note: 0 }, { headers });
}
