import { DataError } from "../errors.ts";

/**
 * Deepest nesting accepted, the same on every runtime. Real session data nests a few levels; past
 * some thousands, walking or serializing a value overflows the stack (a RangeError, so a 500) at a
 * depth that differs between runtimes.
 */
export const MAX_DEPTH = 64;

/**
 * Serializes `value` to JSON, refusing anything JSON would silently change:
 * class instances (Date, Map, Set, …), BigInt, functions, symbols, non-finite numbers,
 * `undefined` inside arrays, sparse arrays, cycles, and nesting deeper than {@link MAX_DEPTH}. Object properties that are
 * `undefined` are dropped, exactly as JSON does and as users expect.
 */
export function toJson(value: unknown, label = "session data"): string {
  const problem = findProblem(value, [], []);
  if (problem !== undefined) throw new DataError(`${label}${problem}`);
  return JSON.stringify(value);
}

/**
 * Walks a value and describes the first thing JSON cannot carry, or returns undefined. It runs on
 * every commit, so the path is kept as a list of keys and turned into text only for the message.
 */
function findProblem(value: unknown, path: (string | number)[], ancestors: object[]): string | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : `${where(path)} is ${value}, which JSON turns into null`;
    case "object":
      break;
    default:
      return `${where(path)} is a ${typeof value}, which JSON cannot store`;
  }
  if (value === null) return undefined;
  if (ancestors.length >= MAX_DEPTH) {
    return `${where(path)} nests deeper than ${MAX_DEPTH} levels; store flatter data`;
  }
  // Nesting is shallow in practice, so a list beats a Set here.
  if (ancestors.includes(value)) return `${where(path)} refers to itself (a cycle)`;
  ancestors.push(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined) return `${where([...path, i])} is undefined, which JSON turns into null`;
      if (typeof item === "string") continue;
      path.push(i);
      const problem = findProblem(item, path, ancestors);
      if (problem !== undefined) return problem;
      path.pop();
    }
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const name = (value as { constructor?: { name?: string } }).constructor?.name ?? "object";
      return `${where(path)} is a ${name}; store plain JSON values only (a Date as a timestamp or ISO string)`;
    }
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key];
      if (child === undefined || typeof child === "string") continue;
      path.push(key);
      const problem = findProblem(child, path, ancestors);
      if (problem !== undefined) return problem;
      path.pop();
    }
  }
  ancestors.pop();
  return undefined;
}

const where = (path: readonly (string | number)[]): string =>
  path.map((key) => (typeof key === "number" ? `[${key}]` : `.${key}`)).join("");
