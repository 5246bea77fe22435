/**
 * A tiny browser stand-in for tests: it parses `Set-Cookie` headers on its own (so a bug in the
 * library's writer cannot hide behind the same parser) and sends back what a browser would.
 */
import type { Session, Sessions } from "sealed-session";

export interface SetCookie {
  readonly name: string;
  readonly value: string;
  /** Attribute names lower-cased; flags map to `true`. */
  readonly attributes: ReadonlyMap<string, string | true>;
  /** Bytes of name + value, the quantity browsers cap at 4096. */
  readonly bytes: number;
}

export function parseSetCookie(line: string): SetCookie {
  const [pair = "", ...rest] = line.split(";");
  const eq = pair.indexOf("=");
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  const attributes = new Map<string, string | true>();
  for (const part of rest) {
    const at = part.indexOf("=");
    if (at === -1) attributes.set(part.trim().toLowerCase(), true);
    else attributes.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  return { name, value, attributes, bytes: new TextEncoder().encode(name + value).length };
}

export const setCookies = (headers: Headers): SetCookie[] => headers.getSetCookie().map(parseSetCookie);

/** Whether a `Set-Cookie` tells the browser to drop the cookie. */
export function isClearing(cookie: SetCookie): boolean {
  const maxAge = cookie.attributes.get("max-age");
  if (typeof maxAge === "string") return Number(maxAge) <= 0;
  const expires = cookie.attributes.get("expires");
  return typeof expires === "string" && Date.parse(expires) <= 0;
}

/** One browser's cookies for one site; ignores Max-Age over time, as a replaying client would. */
export class Jar {
  readonly #cookies = new Map<string, string>();

  apply(headers: Headers): SetCookie[] {
    const written = setCookies(headers);
    for (const cookie of written) {
      if (isClearing(cookie)) this.#cookies.delete(cookie.name);
      else this.#cookies.set(cookie.name, cookie.value);
    }
    return written;
  }

  get header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  names(): string[] {
    return [...this.#cookies.keys()];
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  set(name: string, value: string): void {
    this.#cookies.set(name, value);
  }

  delete(name: string): void {
    this.#cookies.delete(name);
  }

  request(url = "https://example.com/"): Request {
    const cookie = this.header;
    return new Request(url, cookie ? { headers: { cookie } } : {});
  }
}

export const requestWithCookie = (cookie: string): Request =>
  new Request("https://example.com/", { headers: { cookie } });

/** One request/response round trip: load from the jar, let `act` use the session, commit, store the reply. */
export async function visit<Data extends object, Flash extends object>(
  sessions: Sessions<Data, Flash>,
  jar: Jar,
  act?: (session: Session<Data, Flash>) => void | Promise<void>,
): Promise<{ session: Session<Data, Flash>; headers: Headers; written: SetCookie[] }> {
  const session = await sessions.load(jar.request());
  await act?.(session);
  const headers = new Headers();
  await sessions.commit(session, headers);
  return { session, headers, written: jar.apply(headers) };
}

/** A clock to inject as `now`. Starts at an odd millisecond so rounding bugs show. */
export function clock(start = Date.UTC(2026, 0, 1, 12, 0, 0, 321)) {
  let time = start;
  return {
    now: () => time,
    advance(seconds: number) {
      time += seconds * 1000;
    },
    get time() {
      return time;
    },
  };
}

/** The protected header of a compact JWE, decoded. */
export function jweHeader(token: string): Record<string, unknown> {
  const [head = ""] = token.split(".");
  const base64 = head.replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4))) as Record<string, unknown>;
}

/** The key id a token names (JWE `kid` or iron's second field). */
export function keyIdOf(token: string): string {
  if (token.startsWith("Fe26.2*")) return token.split("*")[1] ?? "";
  const kid = jweHeader(token).kid;
  return typeof kid === "string" ? kid : "";
}

/** The token a response wrote, chunks joined (for a single-cookie response, its value). */
export function tokenOf(written: readonly SetCookie[]): string {
  const live = written.filter((cookie) => !isClearing(cookie));
  if (live.length === 1) return live[0]!.value;
  const ordered = [...live].sort((a, b) => a.name.localeCompare(b.name));
  return ordered.map((cookie, i) => (i === 0 ? cookie.value.replace(/^\d:/, "") : cookie.value)).join("");
}

/**
 * Changes one character in the middle of the ciphertext (JWE segment 3, iron field 4), so the
 * decoded bytes differ and only the MAC or the AEAD tag can notice.
 */
export function tamper(token: string): string {
  const separator = token.startsWith("Fe26.2*") ? "*" : ".";
  const parts = token.split(separator);
  const index = separator === "*" ? 4 : 3;
  const text = parts[index] ?? "";
  const at = Math.floor(text.length / 2);
  parts[index] = text.slice(0, at) + (text[at] === "A" ? "B" : "A") + text.slice(at + 1);
  return parts.join(separator);
}

/**
 * Changes the first character of a JWS's signature, so its bytes always differ. (Overwriting the
 * last characters with "AA" left an Ed25519 token unchanged about 1 time in 16.)
 */
export function flipSignature(token: string): string {
  const at = token.lastIndexOf(".") + 1;
  return token.slice(0, at) + (token[at] === "A" ? "B" : "A") + token.slice(at + 1);
}
