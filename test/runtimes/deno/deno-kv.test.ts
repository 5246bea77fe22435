// The Deno KV revocation store under the real deno binary, on an in-memory Deno.Kv:
// `npm run test:deno-kv` (needs --unstable-kv). The same cases as the memory and Workers KV stores.
// The plain `deno test test/runtimes/deno/` run has no --unstable-kv: there this file registers nothing.

import { denoKvRevocationStore } from "../../../src/revocation/index.ts";
import type { Suite } from "../../harness.ts";
import { managerRevocation, managerUnconfirmed } from "../../kit/revocation-manager.ts";
import {
  type FaultyStoreFactory,
  revocationConformance,
  unconfirmedWrites,
} from "../../kit/revocation-store.ts";

function required(): boolean {
  try {
    return Deno.env.get("DENO_KV_REQUIRED") === "1";
  } catch {
    return false; // no --allow-env: not the test:deno-kv run
  }
}

if (typeof Deno.openKv !== "function") {
  if (required()) throw new Error("Deno.openKv is missing: run with --unstable-kv");
  console.log("[deno-kv] skipped: needs --unstable-kv (npm run test:deno-kv)");
} else {
  const kv = await Deno.openKv(":memory:");
  const suite: Suite = {
    test: (name, fn) => Deno.test({ name, fn, sanitizeResources: false, sanitizeOps: false }),
  };
  revocationConformance(suite, (now) => denoKvRevocationStore(kv, { now }), "deno kv store");
  managerRevocation(suite, (now) => denoKvRevocationStore(kv, { now }), "deno kv store");
  // A new wrapper per store: its own memo, as in another process; writes fail when the case says so.
  const faulty: FaultyStoreFactory = (now, faults, options) =>
    denoKvRevocationStore(
      {
        getMany: (keys) => kv.getMany(keys as Deno.KvKey[]),
        set: (key, value, setOptions) => faults.write(() => kv.set(key as Deno.KvKey, value, setOptions)),
      },
      { now, ...options },
    );
  unconfirmedWrites(suite, faulty, "deno kv store");
  managerUnconfirmed(suite, faulty, "deno kv store");

  Deno.test("deno kv store: values carry their expiry; keys hash the user id", async () => {
    const store = denoKvRevocationStore(kv, { prefix: ["t-keys"] });
    const until = Date.now() + 60_000;
    await store.revokeSession({ sessionId: "session-id-for-the-key-test", until });
    await store.revokeUser({ userId: "ada@example.com", cutoff: 1, until });
    const entries = [];
    for await (const entry of kv.list({ prefix: ["t-keys"] })) entries.push(entry);
    const session = entries.find((entry) => entry.key[1] === "s");
    const user = entries.find((entry) => entry.key[1] === "u");
    if (session?.value !== until) throw new Error("session value must be its until");
    if (JSON.stringify(user?.value) !== JSON.stringify({ cutoff: 1, until }))
      throw new Error("user value must be { cutoff, until }");
    if (String(user?.key[2]).includes("ada")) throw new Error("user key must not contain the user id");
  });
}
