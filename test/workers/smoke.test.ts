import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { createSessions, generateSecret } from "../../src/index.ts";

it("runs inside workerd with the SESSIONS KV binding", async () => {
  expect(navigator.userAgent).toBe("Cloudflare-Workers");
  await env.SESSIONS.put("k", "v");
  expect(await env.SESSIONS.get("k")).toBe("v");
  const sessions = createSessions({ secrets: generateSecret() });
  const session = await sessions.load(new Request("https://x/"));
  session.data.n = 1;
  const headers = new Headers();
  await sessions.commit(session, headers);
  expect(headers.getSetCookie()).toHaveLength(1);
});
