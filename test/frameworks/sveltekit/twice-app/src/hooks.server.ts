// The hook twice in one sequence (the options function form first, an object second): the second
// must neither load a second session nor add a second Set-Cookie.
import process from "node:process";
import { sequence } from "@sveltejs/kit/hooks";
import { sessions } from "sealed-session/sveltekit";

const options = { secrets: process.env.SESSION_SECRETS ?? "" };

export const handle = sequence(
  sessions(() => options),
  sessions(options),
);
