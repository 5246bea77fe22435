/**
 * The runner-neutral test contract. A case file (`test/cases/*.cases.ts`) exports a default
 * function that registers tests on a `Suite`; it imports the library as "sealed-session" and
 * asserts with `node:assert/strict`, so the same file runs unchanged under vitest (Node and
 * workerd), node:test (Node 24 on the sources, Node 20 on the build), `deno test` and `bun test`.
 * Each runner has a thin adapter that supplies `Suite`.
 */
export type TestFn = () => void | Promise<void>;

export interface Suite {
  /** Registers one test. Names are unique within a case file. */
  test(name: string, fn: TestFn): void;
}

export type Cases = (t: Suite) => void;
