// Runs examples/bun-serve.ts as its header says, on a free port.
import { test } from "bun:test";
import { checkExample, startServer } from "../examples.ts";

// bun test gives a test 5 s by default; starting a server on a cold, busy machine may take longer
// (startServer itself waits up to 30 s for it).
test("examples/bun-serve.ts: sessions on Bun.serve (stateless, no store)", async () => {
  const server = await startServer(process.execPath, ["examples/bun-serve.ts"]);
  try {
    await checkExample(server.url, { revocation: false });
  } finally {
    await server.stop();
  }
}, 60_000);
