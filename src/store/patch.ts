/**
 * Patches: what one request changed in a session's data, applied atomically by the store, so two
 * requests that change different paths both land (express-session and every cookie library keep only
 * the last whole object).
 *
 *   { set: [[path, json], …], del: [path, …], expect?: [[path, json | null], …] }
 *
 * A path is a list of object keys at any depth. `null` is a value, not a delete (so this is not RFC
 * 7396 merge patch). An array that changed is set whole. `expect` (conflict detection) lists the value
 * each changed path had when the request loaded it (`null` when absent); a store refuses the patch if
 * any differs now. Values travel as JSON text, compared as text of canonical JSON.
 */
export type Path = readonly string[];

export interface Patch {
  readonly set: readonly (readonly [Path, string])[];
  readonly del: readonly Path[];
  /** Base values (JSON text, or `null` for absent) the request saw; present only when conflicts are errors. */
  readonly expect?: readonly (readonly [Path, string | null])[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Canonical JSON text: object keys sorted, so equal values compare equal as text. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * What changed from `base` to `next` (both plain JSON objects): objects are compared key by key at
 * every depth, anything else (arrays included) is set whole when it differs.
 */
export function diff(base: JsonObject, next: JsonObject, withExpect: boolean): Patch {
  const set: [Path, string][] = [];
  const del: Path[] = [];
  const expect: [Path, string | null][] = [];
  const walk = (from: JsonObject, to: JsonObject, path: string[]) => {
    for (const key of Object.keys(to)) {
      const before = Object.hasOwn(from, key) ? from[key] : undefined;
      const after = to[key];
      if (after === undefined) continue;
      if (isObject(before) && isObject(after)) {
        walk(before, after, [...path, key]);
        continue;
      }
      const text = canonical(after);
      if (before !== undefined && canonical(before) === text) continue;
      set.push([[...path, key], JSON.stringify(after)]);
      if (withExpect) expect.push([[...path, key], before === undefined ? null : canonical(before)]);
    }
    for (const key of Object.keys(from)) {
      if (Object.hasOwn(to, key) && to[key] !== undefined) continue;
      del.push([...path, key]);
      if (withExpect) expect.push([[...path, key], canonical(from[key])]);
    }
  };
  walk(base, next, []);
  return withExpect ? { set, del, expect } : { set, del };
}

export const isEmptyPatch = (patch: Patch): boolean => patch.set.length === 0 && patch.del.length === 0;

/** The value at `path`, or `undefined`. Own keys only. */
function at(data: JsonObject, path: Path): Json | undefined {
  let node: Json | undefined = data;
  for (const key of path) {
    if (!isObject(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

/** Sets an own property, `__proto__` included, as data. */
function put(target: JsonObject, key: string, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export type ApplyResult =
  | { readonly ok: true; readonly data: string }
  | { readonly ok: false; readonly reason: "conflict"; readonly paths: readonly Path[] }
  | { readonly ok: false; readonly reason: "too_large"; readonly bytes: number };

/**
 * Applies `patch` to the JSON text `current`; what every backend runs, inside its atomic step. A
 * `set` below a path that is not an object replaces it with one (the request saw an object there).
 */
export function applyPatch(current: string, patch: Patch, maxBytes: number): ApplyResult {
  const data = JSON.parse(current) as JsonObject;
  if (patch.expect) {
    const paths = patch.expect
      .filter(([path, expected]) => {
        const now = at(data, path);
        return (now === undefined ? null : canonical(now)) !== expected;
      })
      .map(([path]) => path);
    if (paths.length > 0) return { ok: false, reason: "conflict", paths };
  }
  for (const path of patch.del) {
    const parent = at(data, path.slice(0, -1));
    if (isObject(parent)) delete parent[path[path.length - 1]!];
  }
  for (const [path, text] of patch.set) {
    let node = data;
    for (const key of path.slice(0, -1)) {
      const child = Object.hasOwn(node, key) ? node[key] : undefined;
      if (!isObject(child)) put(node, key, {});
      node = node[key] as JsonObject;
    }
    put(node, path[path.length - 1]!, JSON.parse(text) as Json);
  }
  const text = JSON.stringify(data);
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > maxBytes) return { ok: false, reason: "too_large", bytes };
  return { ok: true, data: text };
}

/** Checks a patch received over a wire (a Durable Object's RPC): paths of strings, values of JSON text. */
export function isPatch(value: unknown): value is Patch {
  if (!isObject(value as Json)) return false;
  const { set, del, expect } = value as Record<string, unknown>;
  const isPath = (path: unknown) =>
    Array.isArray(path) &&
    path.length > 0 &&
    path.length <= 64 &&
    path.every((key) => typeof key === "string");
  return (
    Array.isArray(set) &&
    set.every((entry) => Array.isArray(entry) && isPath(entry[0]) && typeof entry[1] === "string") &&
    Array.isArray(del) &&
    del.every(isPath) &&
    (expect === undefined ||
      (Array.isArray(expect) &&
        expect.every(
          (entry) =>
            Array.isArray(entry) && isPath(entry[0]) && (entry[1] === null || typeof entry[1] === "string"),
        )))
  );
}
