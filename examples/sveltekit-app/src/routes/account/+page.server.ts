import type { PageServerLoad } from "./$types";

// Only logged-in users get here: the guard in hooks.server.ts redirects everybody else.
export const load: PageServerLoad = ({ locals: { session } }) => ({ user: session.userId ?? null });
