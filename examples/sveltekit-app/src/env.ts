import { defineEnvVars } from "@sveltejs/kit/env";

// Imported from $app/env/private. Optional to SvelteKit, so `vite build` runs without secrets;
// sessions() refuses to start the server when it is missing or weak.
export const variables = defineEnvVars({
  SESSION_SECRETS: {
    description: "Session secrets, newest first, comma-separated: `npx sealed-session secret` makes one.",
    schema: (value) => value,
  },
});
