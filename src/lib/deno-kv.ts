/**
 * What the Deno KV registry and data store share: the structural client type (the part of
 * `Deno.Kv` they use, so `src/` never touches the `Deno` global), values split into parts under the
 * 64 KiB value limit and reassembled atomically, and the versionstamp check-and-set loop.
 *
 * A value in parts:
 *   [...key]        head: { n: parts in all, g: generation, b: bytes of part 0, ...meta }
 *   [...key, i]     part i (1 ≤ i < n): { g, b: bytes }
 * One atomic commit writes the head and every part with one new random generation (and deletes the
 * parts the previous value had beyond `n`), so a read that finds every part with its head's
 * generation has one value, never a mix of two.
 */

import { backoff } from "./backend.ts";
import { b64u, randomBytes } from "./bytes.ts";

export type DenoKvKeyPart = string | number | bigint | boolean | Uint8Array;
export type DenoKvKey = readonly DenoKvKeyPart[];

/** The part of `Deno.AtomicOperation` the stores use. */
export interface DenoKvAtomicOperationLike {
  check(
    ...checks: { readonly key: DenoKvKey; readonly versionstamp: string | null }[]
  ): DenoKvAtomicOperationLike;
  set(key: DenoKvKey, value: unknown, options?: { expireIn?: number }): DenoKvAtomicOperationLike;
  delete(key: DenoKvKey): DenoKvAtomicOperationLike;
  commit(): Promise<{ readonly ok: boolean }>;
}

/** The part of `Deno.Kv` (`Deno.openKv()`) the registry and the data store use. */
export interface DenoKvAtomicLike {
  getMany(
    keys: readonly DenoKvKey[],
  ): Promise<readonly { readonly value: unknown; readonly versionstamp: string | null }[]>;
  atomic(): DenoKvAtomicOperationLike;
}

/** The client checked when a store is built. */
export function assertDenoKv(kv: unknown, caller: string): asserts kv is DenoKvAtomicLike {
  const k = kv as Partial<Record<string, unknown>> | null | undefined;
  if (typeof k?.getMany === "function" && typeof k.atomic === "function") return;
  throw new TypeError(`sealed-session: ${caller} needs a Deno.Kv (await Deno.openKv())`);
}

/** Bytes per part: a part's serialized value (with its generation) stays under the 64 KiB limit. */
export const PART_BYTES = 60_000;
/** Parts per value: a read of the parts is one `getMany` (at most 10 keys), a write one commit (≤ 800 KiB). */
export const MAX_PARTS = 10;
/** The largest value in parts. */
export const MAX_PARTS_BYTES = PART_BYTES * MAX_PARTS;

/** A value read from parts: its metadata, its bytes, and the head's versionstamp (for `check`). */
export interface PartsRead {
  readonly meta: Readonly<Record<string, unknown>>;
  readonly bytes: Uint8Array;
  readonly parts: number;
}

const unreadable = (what: string) => new TypeError(`sealed-session: unreadable value in the Deno KV ${what}`);

/** Where part `i` of the value at `key` lives. */
export const partKey = (key: DenoKvKey, i: number): DenoKvKey => [...key, i];

/**
 * Reads a value in parts: the head, then (when split) its parts in one `getMany`. Parts written by
 * a later commit than the head (another writer in between) make it read again, at most `attempts`
 * times. `null`: no head. `versionstamp` is the head's, for the write's `check`.
 */
export async function readParts(
  kv: DenoKvAtomicLike,
  key: DenoKvKey,
  what: string,
  attempts = 10,
): Promise<{ versionstamp: string | null; value: PartsRead | null }> {
  for (let attempt = 1; ; attempt++) {
    const [head] = await kv.getMany([key]);
    if (head === undefined || head.value === null || head.value === undefined) {
      return { versionstamp: head?.versionstamp ?? null, value: null };
    }
    const h = head.value as { n?: unknown; g?: unknown; b?: unknown };
    const n = h.n;
    if (!Number.isSafeInteger(n) || (n as number) < 1 || (n as number) > MAX_PARTS) throw unreadable(what);
    if (typeof h.g !== "string" || !(h.b instanceof Uint8Array)) throw unreadable(what);
    const chunks: Uint8Array[] = [h.b];
    let consistent = true;
    if ((n as number) > 1) {
      const keys = Array.from({ length: (n as number) - 1 }, (_, i) => partKey(key, i + 1));
      for (const part of await kv.getMany(keys)) {
        const p = part.value as { g?: unknown; b?: unknown } | null;
        if (p?.g !== h.g || !(p?.b instanceof Uint8Array)) {
          consistent = false;
          break;
        }
        chunks.push(p.b);
      }
    }
    if (consistent) {
      const { n: _n, g: _g, b: _b, ...meta } = head.value as Record<string, unknown>;
      return { versionstamp: head.versionstamp, value: { meta, bytes: join(chunks), parts: n as number } };
    }
    if (attempt >= attempts) throw new DenoKvConflictError(attempts, "reads of a value in parts");
    await backoff(attempt);
  }
}

function join(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * Adds the writes of a value in parts to `op`: the head with `meta`, each part, and deletes of the
 * parts the previous value had beyond the new count (`previousParts`; `MAX_PARTS` when unknown).
 */
export function writeParts(
  op: DenoKvAtomicOperationLike,
  key: DenoKvKey,
  meta: Readonly<Record<string, unknown>>,
  bytes: Uint8Array,
  previousParts: number,
  expireIn: number,
): DenoKvAtomicOperationLike {
  if (bytes.length > MAX_PARTS_BYTES)
    throw new RangeError("sealed-session: value too large for Deno KV parts");
  const n = Math.max(1, Math.ceil(bytes.length / PART_BYTES));
  const g = b64u(randomBytes(12));
  // A copy, never a view: a view would be serialized with its whole buffer (every part, each time).
  const chunk = (i: number) => bytes.slice(i * PART_BYTES, (i + 1) * PART_BYTES);
  op.set(key, { ...meta, n, g, b: chunk(0) }, { expireIn });
  for (let i = 1; i < n; i++) op.set(partKey(key, i), { g, b: chunk(i) }, { expireIn });
  for (let i = n; i < previousParts; i++) op.delete(partKey(key, i));
  return op;
}

/** Adds the deletes of a value in parts (and of every part it may have had) to `op`. */
export function deleteParts(op: DenoKvAtomicOperationLike, key: DenoKvKey, parts = MAX_PARTS) {
  op.delete(key);
  for (let i = 1; i < parts; i++) op.delete(partKey(key, i));
  return op;
}

/** Other writers changed the checked keys on every try. Writes nothing; safe to retry later. */
export class DenoKvConflictError extends Error {
  constructor(attempts: number, what = "check-and-set attempts") {
    super(`sealed-session: Deno KV keys kept changing during ${attempts} ${what}`);
    this.name = "DenoKvConflictError";
  }
}

/**
 * An atomic read-modify-write: `plan` reads what it needs and returns an atomic operation that
 * `check`s every versionstamp it read (or none: nothing to write). When another writer committed in
 * between, the commit does nothing and the whole thing runs again (at most `attempts` times).
 */
export async function denoKvCheckAndSet<T>(
  attempts: number,
  plan: () => Promise<{ readonly op?: DenoKvAtomicOperationLike | undefined; readonly result: T }>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const { op, result } = await plan();
    if (op === undefined || (await op.commit()).ok) return result;
    if (attempt >= attempts) throw new DenoKvConflictError(attempts);
    await backoff(attempt);
  }
}

/** `expireIn` (ms) for a value kept until `until`: relative, plus `margin`; at least 1 ms. */
export const expireIn = (until: number, now: number, margin: number): number =>
  Math.max(1, Math.ceil(until - now + margin));
