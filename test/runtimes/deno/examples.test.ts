// Runs examples/deno-serve.ts as its header says, on a free port, with Deno KV in memory.
import { checkExample, startServer } from "../examples.ts";

Deno.test("examples/deno-serve.ts: sessions on Deno.serve, logout revoked in Deno KV", async () => {
  const server = await startServer(
    Deno.execPath(),
    [
      "run",
      "--check",
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
