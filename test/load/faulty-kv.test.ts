// The demo's KV fault wrapper (used by `npm run load`): off without KV_FAULT, and inside a window
// every call fails or waits for the window's end; outside it, the real binding answers.
import { ConfigError } from "sealed-session";
import type { KvBindingLike } from "sealed-session/revocation";
import { describe, expect, it } from "vitest";
import { faultyKv, InjectedKvFault, parseFaults } from "../../demo-worker/src/faulty-kv.ts";

/** A real in-memory store with the binding's shape, counting the calls that reached it. */
function memoryKv() {
  const values = new Map<string, string>();
  let calls = 0;
  const binding: KvBindingLike = {
    async get(keys) {
      calls++;
      return new Map(keys.map((key) => [key, values.get(key) ?? null]));
    },
    async put(key, value) {
      calls++;
      values.set(key, value);
    },
  };
  return { binding, calls: () => calls };
}

const TEXT = { type: "text" } as const;

describe("faultyKv", () => {
  it("is the binding itself when KV_FAULT is unset or empty", () => {
    const { binding } = memoryKv();
    expect(faultyKv(binding, undefined)).toBe(binding);
    expect(faultyKv(binding, " ")).toBe(binding);
  });

  it("fails every call inside an absolute window, and passes them through outside it", async () => {
    const kv = memoryKv();
    const now = Date.now();
    const inside = faultyKv(kv.binding, `fail:${now - 60_000}-${now + 60_000}`);
    await expect(inside.get(["a"], TEXT)).rejects.toBeInstanceOf(InjectedKvFault);
    await expect(inside.put("a", "1", {})).rejects.toBeInstanceOf(InjectedKvFault);
    expect(kv.calls()).toBe(0);

    const over = faultyKv(kv.binding, `fail:${now - 60_000}-${now - 30_000}`);
    await over.put("a", "1", {});
    expect((await over.get(["a"], TEXT)).get("a")).toBe("1");
    expect(kv.calls()).toBe(2);
  });

  it("counts +ms windows from when the wrapper was made", async () => {
    const kv = memoryKv();
    const later = faultyKv(kv.binding, "fail:+60000-+120000");
    expect((await later.get(["a"], TEXT)).get("a")).toBeNull();
    const now = faultyKv(kv.binding, "fail:+0-+60000,stall:+60000-+120000");
    await expect(now.get(["a"], TEXT)).rejects.toBeInstanceOf(InjectedKvFault);
  });

  it("stalls a call until the window ends, then runs it", async () => {
    const kv = memoryKv();
    // Long enough that the window cannot lapse before the call reads the clock, even on a machine
    // that stalls this process for a while (a 150 ms window could).
    const end = Date.now() + 1000;
    const stalled = faultyKv(kv.binding, `stall:${end - 60_000}-${end}`);
    let done = false;
    const put = stalled.put("a", "1", {}).then(() => {
      done = true;
    });
    // Still held back after other work got its turn: the call has not reached KV.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toBe(false);
    expect(kv.calls()).toBe(0);
    await put;
    expect(kv.calls()).toBe(1);
  });

  it("refuses a malformed setting with a ConfigError", () => {
    for (const bad of ["fail", "fail:10", "fail:20-10", "drop:1-2", "fail:1-2,", "fail:-1-2"]) {
      expect(() => parseFaults(bad, 0), bad).toThrow(ConfigError);
    }
    expect(parseFaults("stall:+5-+10", 100)).toEqual([{ mode: "stall", from: 105, to: 110 }]);
  });
});
