import { DataError } from "../errors.ts";

/**
 * Serializes `value` to JSON, refusing anything JSON would silently change:
 * class instances (Date, Map, Set, …), BigInt, functions, symbols, non-finite numbers,
 * `undefined` inside arrays, sparse arrays and cycles. Object properties that are
 * `undefined` are dropped, exactly as JSON does and as users expect.
 */
export function toJson(value: unknown, label = "session data"): string {
  assertJson(value, label, new Set());
  return JSON.stringify(value);
}

function assertJson(value: unknown, path: string, ancestors: Set<object>): void {
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) throw new DataError(`${path} is ${value}, which JSON turns into null`);
      return;
    case "object":
      break;
    default:
      throw new DataError(`${path} is a ${typeof value}, which JSON cannot store`);
  }
  if (value === null) return;
  if (ancestors.has(value)) throw new DataError(`${path} refers to itself (a cycle)`);
  ancestors.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value) || value[i] === undefined) {
        throw new DataError(`${path}[${i}] is undefined, which JSON turns into null`);
      }
      assertJson(value[i], `${path}[${i}]`, ancestors);
    }
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const name = (value as { constructor?: { name?: string } }).constructor?.name ?? "object";
      throw new DataError(
        `${path} is a ${name}; store plain JSON values only (a Date as a timestamp or ISO string)`,
      );
    }
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key];
      if (child !== undefined) assertJson(child, `${path}.${key}`, ancestors);
    }
  }
  ancestors.delete(value);
}
