import type { RequestEvent } from "@sveltejs/kit";
import type { SessionLocals } from "sealed-session/sveltekit";

// Counts one view per request, whichever hook's session this is.
export function GET({ locals }: RequestEvent): Response {
  const { session } = locals as SessionLocals<{ views: number }>;
  session.data.views = (session.data.views ?? 0) + 1;
  return Response.json({ views: session.data.views });
}
