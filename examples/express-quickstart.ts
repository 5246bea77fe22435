/**
 * Express quick start: `req.session` in a sealed cookie, with express-session's habits.
 *
 *   npm install sealed-session express
 *   SESSION_SECRETS=<at least 32 random characters> node examples/express-quickstart.ts
 *
 * (Node 24 runs this TypeScript file as is.) GET / counts your views; POST /login {"user": "ada"}
 * logs in; POST /logout logs out, and a copy of the old cookie is refused from then on.
 */
import type { AddressInfo } from "node:net";
import express from "express";
import { memoryRevocationStore } from "sealed-session";
import { sessions } from "sealed-session/express";

// Types req.session.data, as express-session's SessionData does.
declare module "sealed-session/express" {
  interface SessionData {
    views: number;
  }
}

const secrets = process.env.SESSION_SECRETS;
if (!secrets) {
  console.error(
    "Set SESSION_SECRETS (newest first, comma-separated), e.g. from `npx sealed-session secret`.",
  );
  process.exit(1);
}

const app = express();
app.use(express.json());
// One process, so an in-memory store makes logout real. Several processes need a shared store.
app.use(sessions({ secrets, idleTimeout: 30 * 60, revocation: memoryRevocationStore() }));

app.get("/", (req, res) => {
  req.session.data.views = (req.session.data.views ?? 0) + 1;
  res.json({ user: req.session.userId ?? null, views: req.session.data.views });
});

app.post("/login", (req, res) => {
  // JSON only: a form post could come from another site (CSRF).
  if (!req.is("application/json")) return void res.sendStatus(415);
  const user: unknown = req.body?.user;
  if (typeof user !== "string" || user === "") return void res.status(400).json({ error: "user?" });
  // ...check the password first; login() issues a new session id (no fixation).
  req.session.login(user);
  res.json({ user });
});

app.post("/logout", async (req, res) => {
  await req.session.destroy(); // clears the cookie, and revokes its id in the store
  res.json({ user: null });
});

const server = app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  console.log(`Listening on http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
});
