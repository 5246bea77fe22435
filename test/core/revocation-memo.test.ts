// The KV and Deno KV revocation stores keep a memo per client (src/revocation/memo.ts memoFor).
import { describe, expect, it } from "vitest";
import { memoFor } from "../../src/revocation/memo.ts";

describe("the per-client memo", () => {
  it("is shared by stores of the same capacity over one client, and never sized by another store's options", () => {
    const client = {};
    const small = memoFor<string>(client, 2, 10);
    expect(memoFor<string>(client, 2, 10)).toBe(small);
    const large = memoFor<string>(client, 5000, 10_000);
    expect(large).not.toBe(small);
    expect(memoFor<string>({}, 2, 10)).not.toBe(small);
  });
});
