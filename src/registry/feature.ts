/**
 * The registry's manager-side code — its load check, commit step and list/end calls — as one feature
 * that every registry backend carries (see lib/feature.ts): the core reaches it through the `registry`
 * option and imports none of it, so an app without a registry bundles none of it.
 */
import { attach } from "../lib/feature.ts";
import { checkRegistry } from "./check.ts";
import { endOtherSessions, endSession, endSessions, listSessions } from "./devices.ts";
import { registryRevocation, resolveRegistry } from "./policy.ts";
import { dropRegistered, syncRegistry } from "./sync.ts";
import type { RegistryStore } from "./types.ts";

export const registryFeature = {
  kind: "registry",
  resolve: resolveRegistry,
  check: checkRegistry,
  sync: syncRegistry,
  drop: dropRegistered,
  list: listSessions,
  end: endSession,
  endAll: endSessions,
  endOthers: endOtherSessions,
  revocation: registryRevocation,
} as const;

export type RegistryFeature = typeof registryFeature;

/**
 * Makes a registry backend of your own usable as `registry` (the built-in backends already are):
 * it gives the object the manager-side registry code.
 */
export function registryStore<Store extends RegistryStore>(store: Store): Store {
  return attach(store, registryFeature);
}
