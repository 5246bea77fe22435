// The session registry kits (test/kit/registry.ts, registry-manager.ts) on the memory registry, on every runtime.
import { memoryRegistry } from "sealed-session/registry";
import type { Suite } from "../harness.ts";
import { registryConformance } from "../kit/registry.ts";
import { managerRegistry } from "../kit/registry-manager.ts";

export default (t: Suite) => {
  registryConformance(t, () => memoryRegistry(), "memory registry");
  managerRegistry(t, () => memoryRegistry(), "memory registry");
};
