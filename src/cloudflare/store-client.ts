/**
 * A `DataStore` over the `SessionDataStore` Durable Object (see store-object.ts):
 * `createSessions({ store: durableObjectStore(env.SESSION_DATA) })`. Each operation is one call to the
 * session's own object, named `d:<record key>` — the key is random and sealed in the cookie, so the
 * name reveals nothing about the session or its user.
 */

import { dataStore } from "../store/feature.ts";
import type { DataStore } from "../store/types.ts";
import type { SessionDataStore } from "./store-object.ts";

export function durableObjectStore(namespace: DurableObjectNamespace<SessionDataStore>): DataStore {
  if (typeof namespace?.getByName !== "function") {
    throw new TypeError(
      "sealed-session: durableObjectStore(namespace) needs a Durable Object namespace binding of the " +
        "SessionDataStore class (see docs/cloudflare.md)",
    );
  }
  // A fresh stub per call: after some errors a stub keeps failing, and getByName is cheap.
  const record = (key: string) => namespace.getByName(`d:${key}`);
  return dataStore({
    get: (key, { now }) => record(key).get(now),
    create: (key, value, { now, maxBytes }) => record(key).create(value, now, maxBytes),
    // The object applies the patch where the record is: the record as read (`base`) stays here, so a
    // call carries only what this request changed.
    patch: (key, { base: _base, ...request }, { now, maxBytes }) => record(key).patch(request, now, maxBytes),
    touch: (key, sessionId, { now, expiresAt }) => record(key).touch(sessionId, now, expiresAt),
    delete: (key) => record(key).delete(),
  });
}
