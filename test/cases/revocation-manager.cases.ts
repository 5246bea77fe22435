// Revocation through the manager (test/kit/revocation-manager.ts) on the memory store, plus the
// store-independent failure policy, on every runtime.
import { memoryRevocationStore } from "sealed-session";
import type { Suite } from "../harness.ts";
import { failurePolicy, managerRevocation } from "../kit/revocation-manager.ts";

export default (t: Suite) => {
  managerRevocation(t, (now) => memoryRevocationStore({ now }), "memory store");
  failurePolicy(t);
};
