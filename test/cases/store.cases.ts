// The data store kits (test/kit/data-store.ts, store-manager.ts) on the memory store, on every runtime.
import { memoryStore } from "sealed-session/store";
import type { Suite } from "../harness.ts";
import { dataStoreConformance } from "../kit/data-store.ts";
import { managerStore } from "../kit/store-manager.ts";

export default (t: Suite) => {
  dataStoreConformance(t, () => memoryStore(), "memory store");
  managerStore(t, () => memoryStore(), "memory store");
};
