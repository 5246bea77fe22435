// Runs examples/node-hono.ts on Node 24, on a free port ("sealed-session" from the sources).
import { test } from "node:test";
import { checkExample, startServer } from "../examples.ts";

test("examples/node-hono.ts: Hono on @hono/node-server, logout revoked in memory", async () => {
  const server = await startServer(process.execPath, [
    "--import",
    "./test/runtimes/node-test/register.mjs",
    "examples/node-hono.ts",
  ]);
  try {
    await checkExample(server.url, { revocation: true });
  } finally {
    await server.stop();
  }
});
