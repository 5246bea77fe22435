// Runs examples/deno-serve.ts and examples/deno-kv.ts as their headers say, on free ports, with
// Deno KV in memory. Type-only imports: `deno test` type-checks the examples with this file, without
// running them, which costs far less than a second check in each `deno run` below.
import type {} from "../../../examples/deno-kv.ts";
import type {} from "../../../examples/deno-serve.ts";
import { checkExample, checkStatefulExample, startServer } from "../examples.ts";

const run = (example: string, env: Record<string, string> = {}) =>
  startServer(
    Deno.execPath(),
    [
      "run",
      "--unstable-kv",
      "--import-map=test/runtimes/deno/import_map.json",
      "--allow-net=127.0.0.1",
      `--allow-env=PORT,SESSION_SECRETS,DENO_KV_PATH${Object.keys(env)
        .map((name) => `,${name}`)
        .join("")}`,
      example,
    ],
    { DENO_KV_PATH: ":memory:", ...env },
  );

Deno.test("examples/deno-serve.ts: sessions on Deno.serve, logout revoked in Deno KV", async () => {
  const server = await run("examples/deno-serve.ts");
  try {
    await checkExample(server.url, { revocation: true });
  } finally {
    await server.stop();
  }
});

Deno.test("examples/deno-kv.ts: registry, store and revocation on Deno KV", async () => {
  const server = await run("examples/deno-kv.ts", {
    REGISTRY_NAMING_KEY: "naming-key-for-the-example-test-0123456789",
  });
  try {
    await checkStatefulExample([server.url]);
  } finally {
    await server.stop();
  }
});
