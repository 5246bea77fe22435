// The revocation store conformance kit (test/kit/revocation-store.ts) on the memory store, on every runtime.
import { memoryRevocationStore } from "sealed-session";
import type { Suite } from "../harness.ts";
import { revocationConformance } from "../kit/revocation-store.ts";

export default (t: Suite) =>
  revocationConformance(t, (now) => memoryRevocationStore({ now }), "memory store");
