// examples/express-quickstart.ts, run as its header says, on a free port: counter, login, logout,
// JSON-only login, and a cookie copied before the logout refused (its in-memory revocation store).
// examples/express-migration.ts is run by migration.test.ts, against a live express-session app.
import { test } from "node:test";
import { checkExample, startServer } from "../../runtimes/examples.ts";
import { exampleCommand } from "./browser.ts";

test("examples/express-quickstart.ts: login, counter, logout", async () => {
  const [command, args] = exampleCommand("express-quickstart", import.meta.url);
  const server = await startServer(command, args);
  try {
    await checkExample(server.url, { revocation: true });
  } finally {
    await server.stop();
  }
});
