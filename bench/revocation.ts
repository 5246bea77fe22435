/**
 * KV operations per request with revocation on: counted, not timed. The store under test is the
 * real `kvRevocationStore`; the binding is a real in-memory implementation of the KV methods it
 * uses (bulk text `get`, `put` with a TTL), wrapped in a counter. A "cold" request is a fresh
 * isolate: a new binding object (the store's memo is per binding) and a new manager (empty token
 * cache) over the same stored data.
 */
import { createSessions } from "../src/index.ts";
import { type KvBindingLike, kvRevocationStore } from "../src/revocation/index.ts";
import { SECRET } from "./payload.ts";

export interface RevocationCounts {
  /** KV operations (a bulk get is one) for the first request of a logged-in session in a new isolate. */
  readonly coldRequest: number;
  /** KV operations over this many sequential requests of the same session right after it. */
  readonly sequentialRequests: number;
  readonly sequentialCount: number;
  /** KV operations of logout (destroy + commit). */
  readonly logout: number;
  /** KV operations of the next request carrying the logged-out cookie, same isolate (it must be rejected). */
  readonly afterLogout: number;
  readonly afterLogoutReason: string | undefined;
}

/** Workers KV semantics that matter here: text values, bulk get (one operation), TTLs. */
function memoryKv(data: Map<string, { value: string; expires: number }>) {
  const ops = { count: 0 };
  const binding: KvBindingLike = {
    async get(keys) {
      ops.count++;
      const now = Date.now();
      return new Map(
        keys.map((key) => {
          const entry = data.get(key);
          return [key, entry && entry.expires > now ? entry.value : null] as const;
        }),
      );
    },
    async put(key, value, { expirationTtl }) {
      ops.count++;
      data.set(key, { value, expires: Date.now() + (expirationTtl ?? 1e9) * 1000 });
    },
  };
  return { binding, ops };
}

function isolate(data: Map<string, { value: string; expires: number }>) {
  const kv = memoryKv(data);
  const sessions = createSessions<{ views: number }>({
    secrets: SECRET,
    revocation: kvRevocationStore(kv.binding),
  });
  const request = async (
    cookie: string | undefined,
    change: (s: Awaited<ReturnType<typeof sessions.load>>) => void,
  ) => {
    const session = await sessions.load(new Headers(cookie ? { cookie } : {}));
    change(session);
    const out = new Headers();
    await sessions.commit(session, out);
    const set = out.getSetCookie()[0];
    return {
      session,
      cookie: set && !set.includes("Max-Age=0") ? set.slice(0, set.indexOf(";")) : cookie,
    };
  };
  return { kv, request };
}

export async function countRevocation(): Promise<RevocationCounts | string> {
  try {
    const data = new Map<string, { value: string; expires: number }>();
    const first = isolate(data);
    const { cookie } = await first.request(undefined, (s) => {
      s.login("ada");
      s.data.views = 1;
    });

    const cold = isolate(data);
    await cold.request(cookie, (s) => {
      s.data.views = (s.data.views ?? 0) + 1;
    });
    const coldRequest = cold.kv.ops.count;

    const sequentialCount = 10;
    let current = cookie;
    for (let i = 0; i < sequentialCount; i++) {
      // Alternate writes and reads, as a browser session does.
      ({ cookie: current } = await cold.request(current, (s) => {
        if (i % 2 === 0) s.data.views = (s.data.views ?? 0) + 1;
      }));
    }
    const sequentialRequests = cold.kv.ops.count - coldRequest;

    let before = cold.kv.ops.count;
    await cold.request(current, (s) => s.destroy());
    const logout = cold.kv.ops.count - before;
    before = cold.kv.ops.count;
    const { session } = await cold.request(current, () => {});
    return {
      coldRequest,
      sequentialRequests,
      sequentialCount,
      logout,
      afterLogout: cold.kv.ops.count - before,
      afterLogoutReason: session.invalidReason,
    };
  } catch (error) {
    return `skipped: ${error instanceof Error ? error.message : String(error)}`;
  }
}
