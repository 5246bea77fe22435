// Default logging of store failures: at most one line a minute per process, naming the operation
// and the error class, never ids, user names or error messages (which may carry key names).
import { createSessions, generateSecret, type RevocationStore } from "sealed-session";
import { afterEach, beforeEach, expect, it } from "vitest";

const lines: string[] = [];
const original = console.warn;
beforeEach(() => {
  lines.length = 0;
  console.warn = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
});
afterEach(() => {
  console.warn = original;
});

const failing: RevocationStore = {
  isRevoked: () => Promise.reject(new TypeError("KV GET failed for key revoked:u:secret-user-hash")),
  revokeSession: () => Promise.reject(new TypeError("KV PUT failed")),
  revokeUser: () => Promise.reject(new TypeError("KV PUT failed")),
};

it("logs store failures rate-limited, without ids or messages", async () => {
  const secrets = generateSecret();
  const plain = createSessions({ secrets });
  const session = await plain.load(new Request("https://example.com/"));
  session.login("ada@example.com");
  const headers = new Headers();
  await plain.commit(session, headers);
  const cookie = headers.getSetCookie()[0]?.split(";")[0] ?? "";
  const request = () => new Request("https://example.com/", { headers: { cookie } });

  const sessions = createSessions({ secrets, revocation: failing });
  for (let i = 0; i < 5; i++) {
    expect((await sessions.load(request())).invalidReason).toBe("revocation_unavailable");
  }
  // A manager per request (common on Workers) shares the same budget.
  await createSessions({ secrets, revocation: failing }).load(request());
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/revocation store check failed \(TypeError\); session treated as anonymous/);
  const loaded = await plain.load(request());
  for (const secret of ["ada", loaded.id, "secret-user-hash", "KV GET", cookie.slice(-20)]) {
    expect(lines[0]).not.toContain(secret);
  }
});
