import { error, json } from "@sveltejs/kit";
import type { RequestHandler } from "./$types";

// A long note makes the session span two cookies (chunks); a short one shrinks it back to one.
export const PUT: RequestHandler = async ({ request, locals: { session } }) => {
  const { note } = (await request.json()) as { note?: unknown };
  if (typeof note !== "string") error(400, "note must be a string");
  session.data.note = note;
  return json({ length: note.length });
};

export const GET: RequestHandler = ({ locals: { session } }) => json({ note: session.data.note ?? "" });
