/**
 * The data store's manager-side code — its load read, its commit steps — as one feature that every
 * store backend carries (see lib/feature.ts): the core reaches it through the `store` option and
 * imports none of it, so an app without a store bundles none of it.
 */
import { attach } from "../lib/feature.ts";
import { loadStoredData } from "./load.ts";
import { resolveStore } from "./policy.ts";
import { deleteStored, planStore, syncStore } from "./sync.ts";
import type { DataStore } from "./types.ts";

export const storeFeature = {
  kind: "store",
  resolve: resolveStore,
  load: loadStoredData,
  plan: planStore,
  sync: syncStore,
  delete: deleteStored,
} as const;

export type StoreFeature = typeof storeFeature;

/**
 * Makes a data store of your own usable as `store` (the built-in backends already are): it gives the
 * object the manager-side store code.
 */
export function dataStore<Store extends DataStore>(store: Store): Store {
  return attach(store, storeFeature);
}
