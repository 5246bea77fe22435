/**
 * A browser stand-in for the framework tests (React Router, SvelteKit, Elysia): sends its cookies,
 * keeps what comes back, follows no redirects, and checks that no response sets a cookie twice.
 */
import assert from "node:assert/strict";
import { Jar } from "../support/http.ts";

export interface BrowserRequest {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export class HttpBrowser {
  readonly jar = new Jar();
  readonly base: string;
  constructor(base: string) {
    this.base = base;
  }

  /**
   * One request. An empty Set-Cookie line (React Router sends commitSession's "" as it is) is
   * ignored, as a browser ignores it — a cookie needs a name or a value — and counted in `empty`.
   */
  async request(path: string, init: BrowserRequest = {}) {
    const headers = new Headers(init.headers);
    if (this.jar.header) headers.set("cookie", this.jar.header);
    const response = await fetch(`${this.base}${path}`, {
      method: init.method ?? "GET",
      headers,
      body: init.body ?? null,
      redirect: "manual",
    });
    const lines = response.headers.getSetCookie();
    const kept = new Headers();
    for (const line of lines) if (line.trim() !== "") kept.append("set-cookie", line);
    const written = this.jar.apply(kept);
    const names = written.map((cookie) => cookie.name);
    assert.deepEqual(names, [...new Set(names)], `${path}: each cookie at most once in one response`);
    return { response, written, empty: lines.length - written.length, text: await response.text() };
  }
}
