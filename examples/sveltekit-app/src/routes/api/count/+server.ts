import { json } from "@sveltejs/kit";
import type { RequestHandler } from "./$types";

// An endpoint: GET reads the session, POST counts one view.
export const GET: RequestHandler = ({ locals: { session } }) =>
  json({
    user: session.userId ?? null,
    views: session.data.views ?? 0,
    invalid: session.invalidReason ?? null,
  });

export const POST: RequestHandler = ({ locals: { session } }) => {
  session.data.views = (session.data.views ?? 0) + 1;
  return json({ views: session.data.views });
};
