/**
 * A browser stand-in for the Express tests: real HTTP with `fetch`, redirects not followed, the
 * cookies kept in a jar that parses `Set-Cookie` on its own (test/support/http.ts).
 */
import { fileURLToPath } from "node:url";
import { Jar, type SetCookie } from "../../support/http.ts";

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
  readonly text: string;
  /** The cookies this response set or cleared. */
  readonly written: SetCookie[];
  json<T = Record<string, unknown>>(): T;
}

export class Browser {
  readonly jar = new Jar();
  readonly base: string;
  constructor(base: string) {
    this.base = base;
  }

  async request(
    path: string,
    init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const headers = new Headers(init.headers);
    if (this.jar.header && !headers.has("cookie")) headers.set("cookie", this.jar.header);
    if (init.body !== undefined) headers.set("content-type", "application/json");
    const response = await fetch(`${this.base}${path}`, {
      method: init.method ?? "GET",
      headers,
      body: init.body === undefined ? null : JSON.stringify(init.body),
      redirect: "manual",
      // A response that never comes fails its test here, by name, instead of at the runner's timeout.
      signal: AbortSignal.timeout(30_000),
    });
    const body = new Uint8Array(await response.arrayBuffer());
    const written = this.jar.apply(response.headers);
    const text = new TextDecoder().decode(body);
    return {
      status: response.status,
      headers: response.headers,
      body,
      text,
      written,
      json: <T>() => JSON.parse(text) as T,
    };
  }

  get = (path: string) => this.request(path);
  post = (path: string, body?: unknown) => this.request(path, { method: "POST", body: body ?? {} });
  put = (path: string, body?: unknown) => this.request(path, { method: "PUT", body: body ?? {} });
}

/**
 * How to run `examples/<name>` like the test itself runs: its TypeScript (Node 24, Bun) or its
 * compiled JavaScript (Node 20); on the sources when this test was started with the hook that maps
 * "sealed-session" to them (test/runtimes/node-test/register.mjs), else on dist/; and on Express 4
 * when it was started with the hook that maps "express" there (express4.mjs).
 */
export function exampleCommand(name: string, testUrl: string): [string, string[]] {
  const compiled = testUrl.endsWith(".js");
  const file = fileURLToPath(new URL(`../../../examples/${name}.${compiled ? "js" : "ts"}`, testUrl));
  const started = (hook: string) =>
    process.execArgv.some((arg) => arg.endsWith(hook.split("/").slice(-2).join("/")));
  const hooks = ["./test/runtimes/node-test/register.mjs", "./test/frameworks/express/express4.mjs"]
    .filter(started)
    .flatMap((hook) => ["--import", hook]);
  return [process.execPath, [...hooks, file]];
}
