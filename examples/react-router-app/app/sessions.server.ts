// The app's sessions, created once and imported by the routes that read or write one.
import { memoryRevocationStore, type RevocationStore } from "sealed-session";
import { createSealedSessionStorage, createSessionMiddleware } from "sealed-session/react-router";
import { type DataStore, memoryStore } from "sealed-session/store";

export type Data = { views: number; note: string };
export type Flash = { notice: string; error: string };

// Real logout: a revoked cookie stops working even if someone kept a copy. Memory stores suit one
// long-lived `react-router-serve` process; with several, use shared ones (Redis, a database, KV).
// They live on globalThis so that every copy of this module in the process (Vite's dev server
// re-imports it on each change) uses the same ones.
const shared = globalThis as { sealedSessionStores?: { revocation: RevocationStore; data: DataStore } };
shared.sealedSessionStores ??= { revocation: memoryRevocationStore(), data: memoryStore() };
const { revocation, data } = shared.sealedSessionStores;

const secrets = process.env.SESSION_SECRETS ?? ""; // newest first: `npx sealed-session secret` makes one

// React Router's SessionStorage: the drop-in for createCookieSessionStorage. A session that outgrows
// its one cookie moves its data to the server-side store (`mode: "auto"`); the cookie keeps a pointer.
export const storage = createSealedSessionStorage<Data, Flash>({
  secrets,
  revocation,
  store: { store: data, mode: "auto" },
});
export const { getSession, commitSession, destroySession } = storage;

// The route-middleware form (used under /mw): loads the session into the request's context and
// commits it onto every response by itself. Its own cookie; up to two cookies, to show chunking.
export const sessions = createSessionMiddleware<Data, Flash>({
  secrets,
  revocation,
  cookie: { name: "mw", maxBytes: 2 * 4096 },
});
