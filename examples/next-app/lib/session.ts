// The app's sessions, created once and imported wherever a session is read or written.
import { memoryRevocationStore, type RevocationStore } from "sealed-session";
import { nextSessions } from "sealed-session/next";

export type Data = { count: number; note: string };
export type Flash = { notice: string };

// Real logout: a revoked cookie stops working even if someone kept a copy. A memory store suits one
// long-lived `next start` process; use a shared store (KV, Redis, a database) with several. Next
// bundles proxy.ts, the pages and the route handlers apart, each with its own copy of this module,
// so the one store is kept on globalThis.
const shared = globalThis as { sealedSessionRevocations?: RevocationStore };
shared.sealedSessionRevocations ??= memoryRevocationStore();
const revocation = shared.sealedSessionRevocations;

// A function, so `next build` (which imports this module) needs no secret: it runs on first use.
export const sessions = nextSessions<Data, Flash>(() => ({
  secrets: process.env.SESSION_SECRETS ?? "",
  idleTimeout: 60 * 60,
  revocation,
  // Two cookies at most, so a long note shows chunking; the default is one.
  cookie: { maxBytes: 8192 },
}));
