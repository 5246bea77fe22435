// The hook twice in one sequence (the options function form first, an object second): the second
// must neither load a second session nor add a second Set-Cookie. Sessions are re-sealed on every
// request (refreshAfter 0), so a second session, changed or not, would write a second cookie.
import process from "node:process";
import { sequence } from "@sveltejs/kit/hooks";
import { sessions } from "sealed-session/sveltekit";

const options = { secrets: process.env.SESSION_SECRETS ?? "", idleTimeout: 3600, refreshAfter: 0 };

export const handle = sequence(
  sessions(() => options),
  sessions(options),
);
