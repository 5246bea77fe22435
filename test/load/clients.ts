/**
 * The load script's simulated visitors and how their answers are judged. Each visitor has a kind
 * and knows what `GET /api/me` must say: judged on `user` (and `invalidReason`, `stored`), never on
 * `views`, which concurrent requests of one session legitimately race on.
 */
import { randomBytes } from "node:crypto";
import { Jar } from "../support/http.ts";

export type Kind = "anonymous" | "logged-in" | "chunked" | "tampered" | "revoked";

export interface Me {
  user: string | null;
  invalidReason: string | null;
  stored: { blob?: string } | null;
}

export interface Visitor {
  readonly kind: Kind;
  /** The user every answer must name; null for anonymous answers. */
  readonly user: string | null;
  readonly jar: Jar;
  /** Browsers keep what the server sets; replayed (tampered, revoked) cookies never change. */
  readonly keepsCookies: boolean;
  /** For chunked sessions: what `stored.blob` must be. */
  readonly blob?: string;
}

export interface Answer {
  readonly status: number;
  readonly me: Me | undefined;
  readonly setCookies: number;
}

export async function call(
  base: string,
  method: string,
  path: string,
  jar: Jar,
  body?: unknown,
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (jar.header !== "") headers.cookie = jar.header;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(base + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return response;
}

async function loggedIn(base: string, user: string): Promise<Jar> {
  const jar = new Jar();
  const response = await call(base, "POST", "/api/login", jar, { user });
  if (response.status !== 200) throw new Error(`login of ${user} answered ${response.status}`);
  await response.arrayBuffer();
  jar.apply(response.headers);
  return jar;
}

/** Flips one character in the middle of the longest cookie: only the seal can notice. */
function tamperJar(source: Jar): Jar {
  const jar = new Jar();
  const names = source.names();
  const longest = names.reduce((a, b) =>
    (source.get(a)?.length ?? 0) >= (source.get(b)?.length ?? 0) ? a : b,
  );
  for (const name of names) {
    const value = source.get(name) ?? "";
    if (name !== longest) {
      jar.set(name, value);
      continue;
    }
    let at = Math.floor(value.length / 2);
    while (!/[A-Za-z0-9]/.test(value[at] ?? "")) at++;
    jar.set(name, value.slice(0, at) + (value[at] === "A" ? "B" : "A") + value.slice(at + 1));
  }
  return jar;
}

export interface Population {
  readonly users: Visitor[];
  readonly chunked: Visitor[];
  readonly tampered: Visitor[];
  readonly revoked: Visitor[];
}

/** Logs in `users` people, `chunked` more with ~5 KB of data, and makes tampered and revoked copies. */
export async function populate(
  base: string,
  prefix: string,
  users: number,
  chunked: number,
): Promise<Population> {
  const plain: Visitor[] = [];
  for (let i = 0; i < users; i++) {
    const user = `${prefix}user-${i}`;
    plain.push({ kind: "logged-in", user, jar: await loggedIn(base, user), keepsCookies: true });
  }
  const big: Visitor[] = [];
  for (let i = 0; i < chunked; i++) {
    const user = `${prefix}chunked-${i}`;
    const jar = await loggedIn(base, user);
    // Random bytes do not compress: 4500 of them spread the session over two or three cookies.
    const blob = randomBytes(3500).toString("base64"); // two cookies: the demo's budget is 7 KiB
    const put = await call(base, "PUT", "/api/data", jar, { blob });
    if (put.status !== 200) throw new Error(`PUT /api/data answered ${put.status}`);
    await put.arrayBuffer();
    jar.apply(put.headers);
    if (jar.names().length < 2) throw new Error("the chunked session did not spread over several cookies");
    big.push({ kind: "chunked", user, jar, keepsCookies: true, blob });
  }
  const tampered = [...plain, ...big].map(
    (visitor): Visitor => ({
      kind: "tampered",
      user: null,
      jar: tamperJar(visitor.jar),
      keepsCookies: false,
    }),
  );
  const revoked: Visitor[] = [];
  for (let i = 0; i < Math.max(1, Math.floor(users / 2)); i++) {
    const jar = await loggedIn(base, `${prefix}gone-${i}`);
    const old = new Jar();
    for (const name of jar.names()) old.set(name, jar.get(name) ?? "");
    const out = await call(base, "POST", "/api/logout", jar);
    if (out.status !== 200) throw new Error(`logout answered ${out.status}`);
    await out.arrayBuffer();
    revoked.push({ kind: "revoked", user: null, jar: old, keepsCookies: false });
  }
  return { users: plain, chunked: big, tampered, revoked };
}

/** A new anonymous visitor (no cookie yet) that keeps what it is given. */
export const anonymous = (): Visitor => ({
  kind: "anonymous",
  user: null,
  jar: new Jar(),
  keepsCookies: true,
});

/** One `GET /api/me` as `visitor`; the jar takes the answer's cookies when the visitor keeps them. */
export async function visit(base: string, visitor: Visitor): Promise<Answer> {
  const response = await call(base, "GET", "/api/me", visitor.jar);
  const text = await response.text();
  let me: Me | undefined;
  try {
    me = JSON.parse(text) as Me;
  } catch {}
  if (visitor.keepsCookies) visitor.jar.apply(response.headers);
  return { status: response.status, me, setCookies: response.headers.getSetCookie().length };
}

/** Whether `answer` is right for `visitor` when the revocation store works. */
export function isRight(visitor: Visitor, answer: Answer): boolean {
  const me = answer.me;
  if (answer.status !== 200 || me === undefined) return false;
  switch (visitor.kind) {
    case "anonymous":
      return me.user === null && me.invalidReason === null;
    case "logged-in":
      return me.user === visitor.user && me.invalidReason === null;
    case "chunked":
      return me.user === visitor.user && me.invalidReason === null && me.stored?.blob === visitor.blob;
    case "tampered":
      return me.user === null && (me.invalidReason === "bad_seal" || me.invalidReason === "malformed");
    case "revoked":
      return me.user === null && me.invalidReason === "revoked";
  }
}

/** The fail-closed answer to a logged-in cookie while the store is down: anonymous, cookie left alone. */
export function isFailClosed(visitor: Visitor, answer: Answer): boolean {
  return (
    (visitor.kind === "logged-in" || visitor.kind === "chunked") &&
    answer.status === 200 &&
    answer.me?.user === null &&
    answer.me.invalidReason === "revocation_unavailable" &&
    answer.setCookies === 0
  );
}
