/**
 * The one session every case seals: ~290 bytes of JSON, shaped like a real logged-in session.
 * Every library gets the same object; only their wrappers around it differ.
 */
export type Payload = {
  user: { id: string; name: string; email: string };
  roles: string[];
  org: string;
  csrf: string;
  prefs: { theme: string; lang: string; tz: string };
  counters: { views: number; cart: number };
  lastSeen: number;
};

export function makePayload(): Payload {
  return {
    user: { id: "u_7c2f9a41", name: "Ada Lovelace", email: "ada@example.com" },
    roles: ["admin", "editor"],
    org: "acme",
    csrf: "k3Jx9QvP0sLm2Zt8RfYw4cHb6NdA1eGu5TiO7qWy_-Q",
    prefs: { theme: "dark", lang: "en-GB", tz: "Europe/London" },
    counters: { views: 42, cart: 3 },
    lastSeen: 1764201600000,
  };
}

export const PAYLOAD_BYTES = JSON.stringify(makePayload()).length;

/** Bench-only secrets (never used anywhere real). 43 characters: above every library's minimum. */
export const SECRET = "bench-secret-0123456789-abcdefghijklmnopqrs";
export const LIFETIME_S = 14 * 86_400;
