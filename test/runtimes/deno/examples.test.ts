// Runs examples/deno-serve.ts as its header says, on a free port, with Deno KV in memory.
// A type-only import: `deno test` type-checks the example with this file, without running it,
// which costs far less than a second check in the `deno run` below.
import type {} from "../../../examples/deno-serve.ts";
import { checkExample, startServer } from "../examples.ts";

Deno.test("examples/deno-serve.ts: sessions on Deno.serve, logout revoked in Deno KV", async () => {
  const server = await startServer(
    Deno.execPath(),
    [
      "run",
      "--unstable-kv",
      "--import-map=test/runtimes/deno/import_map.json",
      "--allow-net=127.0.0.1",
      "--allow-env=PORT,SESSION_SECRETS,DENO_KV_PATH",
      "examples/deno-serve.ts",
    ],
    { DENO_KV_PATH: ":memory:" },
  );
  try {
    await checkExample(server.url, { revocation: true });
  } finally {
    await server.stop();
  }
});
