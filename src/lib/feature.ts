/**
 * How optional concerns stay out of bundles that do not use them. The manager-side code of the
 * registry and of the data store (their load and commit steps, their APIs) travels with the backend
 * objects, under this symbol, instead of being imported by the core: an app that configures no
 * registry or store bundles none of it, as an app without `tokens` bundles no token code.
 */
export const FEATURE: unique symbol = Symbol.for("sealed-session/feature") as never;

/** Gives `backend` the feature's code (an own, enumerable property, so `{ ...backend }` keeps it). */
export function attach<Backend extends object>(backend: Backend, feature: object): Backend {
  Object.defineProperty(backend, FEATURE, {
    value: feature,
    enumerable: true,
    configurable: true,
    writable: false,
  });
  return backend;
}

/** What every feature says of itself: which option it belongs to. */
export interface Feature {
  readonly kind: "registry" | "store";
}

/** The feature an option carries: on the backend itself, or on `{ store }`. */
export function featureOf(option: unknown): Feature | undefined {
  if (typeof option !== "object" || option === null) return undefined;
  const own = (option as { [FEATURE]?: Feature })[FEATURE];
  if (own !== undefined) return own;
  const store = (option as { store?: unknown }).store;
  return typeof store === "object" && store !== null
    ? (store as { [FEATURE]?: Feature })[FEATURE]
    : undefined;
}
