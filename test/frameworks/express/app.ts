/**
 * The Express app the adapter tests drive over real HTTP: one route per way of ending a response,
 * the express-session-style methods in callback and promise form, and routes that change the
 * session too late or too much. Served on a free loopback port.
 */
import { createReadStream } from "node:fs";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import express, { type ErrorRequestHandler } from "express";
import type { SessionsOptions } from "sealed-session";
import { type ExpressMiddlewareOptions, type ExpressSessionsOptions, sessions } from "sealed-session/express";

declare module "sealed-session/express" {
  interface SessionData {
    views: number;
    note: string;
    blob: string;
    items: string[];
    cart: Record<string, number>;
    bad: unknown;
  }
}

/** The major version of the Express these tests run on (4 under express4.mjs, else 5). */
export const EXPRESS_MAJOR = Number(
  (createRequire(import.meta.url)("express/package.json") as { version: string }).version.split(".")[0],
);

export interface AppOptions {
  readonly options: ExpressSessionsOptions;
  readonly extra?: ExpressMiddlewareOptions;
  /** A file for the sendFile, download and pipe routes. */
  readonly file: string;
  /** Mount the middleware a second time, on the router. */
  readonly twice?: boolean;
}

export interface RunningApp {
  readonly url: string;
  close(): Promise<void>;
}

/** Error codes a handler caught when it changed the session too late, by request id. */
export const lateErrors = new Map<string, string[]>();

/**
 * Resolves once `n` requests of `group` have called it: requests that all loaded their session
 * before any of them changes it, so their commits meet in the store for certain.
 */
const groups = new Map<string, { arrived: number; all: Promise<void>; release: () => void }>();
function together(group: string, n: number): Promise<void> {
  let entry = groups.get(group);
  if (entry === undefined) {
    let release = () => {};
    const all = new Promise<void>((resolve) => {
      release = resolve;
    });
    entry = { arrived: 0, all, release };
    groups.set(group, entry);
  }
  entry.arrived++;
  if (entry.arrived >= n) {
    groups.delete(group);
    entry.release();
  }
  return entry.all;
}

const count = (req: express.Request) => {
  req.session.data.views = (req.session.data.views ?? 0) + 1;
  return req.session.data.views;
};

export function buildApp({ options, extra, file, twice }: AppOptions): express.Express {
  const app = express();
  app.set("env", "test"); // Express's own error handler logs nothing under "test"
  app.use(express.json());
  app.use(sessions(options, extra));
  const router = express.Router();
  if (twice) router.use(sessions(options, extra));

  router.get("/json", (req, res) => {
    res.json({
      views: count(req),
      user: req.session.userId ?? null,
      reason: req.session.invalidReason ?? null,
    });
  });
  router.get("/send", (req, res) => {
    res.send(`views ${count(req)}`);
  });
  router.get("/status", (req, res) => {
    count(req);
    res.sendStatus(204);
  });
  router.get("/redirect", (req, res) => {
    count(req);
    res.redirect("/json");
  });
  router.get("/file", (req, res, next) => {
    count(req);
    res.sendFile(file, (error) => error && next(error));
  });
  router.get("/download", (req, res, next) => {
    count(req);
    res.download(file, "report.bin", (error) => error && next(error));
  });
  router.get("/pipe", (req, res) => {
    count(req);
    res.type("application/octet-stream");
    createReadStream(file).pipe(res);
  });
  router.get("/write", (req, res) => {
    const views = count(req);
    res.write("views ");
    res.write(String(views));
    res.end("\n");
  });
  router.get("/writehead", (req, res) => {
    count(req);
    // Headers given to writeHead, a cookie of the app's among them: both cookies must arrive.
    res.writeHead(200, { "content-type": "text/plain", "set-cookie": "theme=dark; Path=/" }).end("ok");
  });
  router.get("/flush", (req, res) => {
    count(req);
    res.flushHeaders();
    setTimeout(() => res.end("flushed"), 5);
  });
  router.get("/head-only", (req, res) => {
    count(req);
    res.status(200).end();
  });
  router.get("/throw", (req) => {
    count(req);
    req.session.data.note = "set before the error";
    throw new Error("handler failed");
  });
  router.get("/throw-async", async (req) => {
    count(req);
    await new Promise((resolve) => setTimeout(resolve, 1));
    throw new Error("async handler failed");
  });
  router.get("/send-then-throw", (req, res) => {
    count(req);
    res.json({ sent: true });
    throw new Error("thrown after the response was sent");
  });
  router.get("/next-error", (req, _res, next) => {
    count(req);
    next(Object.assign(new Error("teapot"), { status: 418 }));
  });
  router.get("/late", (req, res) => {
    count(req);
    const id = String(req.query.id);
    const caught: string[] = [];
    res.json({ ok: true });
    const attempts: [string, () => unknown][] = [
      ["data", () => (req.session.data.note = "too late")],
      ["nested", () => req.session.data.items?.push("x")],
      ["replace", () => (req.session.data = {})],
      ["login", () => req.session.login("late")],
      ["destroy", () => req.session.destroy()],
      ["regenerate", () => req.session.regenerate()],
      ["flash", () => req.session.flash("notice", "late")],
      ["save", () => req.session.save()],
    ];
    for (const [what, attempt] of attempts) {
      try {
        attempt();
        caught.push(`${what}:none`);
      } catch (error) {
        caught.push(`${what}:${(error as { code?: string }).code}`);
      }
    }
    // Reading still works.
    caught.push(`read:${req.session.data.views}`);
    lateErrors.set(id, caught);
  });
  router.get("/late-callback", (req, res) => {
    count(req);
    res.end("sent");
    req.session.destroy((error) => {
      lateErrors.set(String(req.query.id), [`destroy-callback:${(error as { code?: string })?.code}`]);
    });
  });
  router.put("/items", (req, res) => {
    req.session.data.items = req.body.items;
    res.json({ items: req.session.data.items });
  });
  router.get("/items", (req, res) => {
    res.json({ items: req.session.data.items ?? [] });
  });
  router.put("/blob", (req, res) => {
    req.session.data.blob = "x".repeat(Number(req.query.bytes));
    res.json({ stored: true });
  });
  router.get("/bad-data", (req, res) => {
    (req.session.data as Record<string, unknown>).bad = new Date(0);
    res.json({ stored: true });
  });
  router.post("/login", (req, res) => {
    req.session.login(String(req.body.user));
    res.json({ user: req.session.userId });
  });
  router.post("/regenerate-callback", (req, res, next) => {
    const before = req.session.id;
    req.session.regenerate((error) => {
      if (error) return next(error);
      req.session.data.note = "after regenerate";
      res.json({ changed: req.session.id !== before, user: req.session.userId ?? null });
    });
  });
  router.post("/regenerate-promise", async (req, res) => {
    await req.session.regenerate({ keep: ["views"] });
    res.json({ views: req.session.data.views ?? null, user: req.session.userId ?? null });
  });
  router.post("/logout-callback", (req, res, next) => {
    req.session.destroy((error) => {
      if (error) return next(error);
      res.json({ destroyed: req.session.isDestroyed });
    });
  });
  router.post("/save-callback", (req, res, next) => {
    req.session.data.note = "saved";
    req.session.save((error) => (error ? next(error) : res.redirect(303, "/json")));
  });
  router.post("/save-bad", (req, res) => {
    (req.session.data as Record<string, unknown>).bad = Number.NaN;
    req.session.save((error) => {
      delete (req.session.data as Record<string, unknown>).bad;
      res.json({ saveError: (error as { code?: string } | undefined)?.code ?? null });
    });
  });
  router.post("/reload-callback", (req, res, next) => {
    req.session.data.note = "dropped by reload";
    req.session.reload((error) => {
      if (error) return next(error);
      res.json({ note: req.session.data.note ?? null, views: req.session.data.views ?? null });
    });
  });
  router.post("/reload-promise", async (req, res) => {
    req.session.data.note = "dropped by reload";
    await req.session.reload();
    res.json({ note: req.session.data.note ?? null, views: req.session.data.views ?? null });
  });
  router.post("/touch", async (req, res) => {
    await req.session.touch();
    req.session.touch((error) => res.json({ touched: error === undefined }));
  });
  router.get("/peek", (req, res) => {
    // Reads only: nothing to write back.
    res.json({
      user: req.session.userId ?? null,
      views: req.session.data.views ?? null,
      reason: req.session.invalidReason ?? null,
    });
  });
  router.post("/cart", async (req, res) => {
    const sku = String(req.body.sku);
    if (req.query.group !== undefined) await together(String(req.query.group), Number(req.query.n));
    const cart = req.session.data.cart ?? {};
    req.session.data.cart = { ...cart, [sku]: (cart[sku] ?? 0) + 1 };
    res.json({ cart: req.session.data.cart });
  });
  router.get("/cart", (req, res) => {
    res.json({ cart: req.session.data.cart ?? {} });
  });
  router.get("/sessions", async (req, res) => {
    res.json(await req.sessions.listSessions(req.session));
  });
  router.get("/manager", (req, res) => {
    res.json({ cookieName: req.sessions.cookieName, size: req.sessions.estimateSize(req.session) });
  });
  app.use(router);

  const onError: ErrorRequestHandler = (error, req, res, next) => {
    // Express's own handler for these (it closes the connection when the headers went out).
    if (["/next-error", "/throw-async", "/send-then-throw"].includes(req.path)) return next(error);
    if (res.headersSent) return next(error);
    res.status(500).json({
      error: (error as { code?: string }).code ?? (error as Error).message,
      name: (error as Error).name,
    });
  };
  app.use(onError);
  return app;
}

export function serve(app: express.Express): Promise<RunningApp> {
  return new Promise((resolve, reject) => {
    const server: Server = app.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
    server.on("error", reject);
  });
}

export type { SessionsOptions };
