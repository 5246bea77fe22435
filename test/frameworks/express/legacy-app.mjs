// The app before the move: express-session + connect-redis as the field's guide sets them up
// (resave: false, saveUninitialized: false, regenerate on login, destroy on logout). Plain
// JavaScript on purpose: @types/express-session types req.session too, and TypeScript refuses two
// types for it in one program (see docs/express.md).
import { once } from "node:events";
import { RedisStore } from "connect-redis";
import express from "express";
import session from "express-session";
import { createClient } from "redis";

/** Serves the legacy app on a free loopback port, its sessions in Redis at `redisUrl`. */
export async function startLegacyApp({ redisUrl, secret }) {
  const client = await createClient({ url: redisUrl })
    .on("error", () => {})
    .connect();
  const app = express();
  app.set("env", "test");
  app.use(express.json());
  app.use(
    session({
      store: new RedisStore({ client }),
      secret,
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: 24 * 3600 * 1000 },
    }),
  );
  app.post("/login", (req, res, next) => {
    req.session.regenerate((error) => {
      if (error) return next(error);
      req.session.user = req.body.user;
      req.session.cart = req.body.cart ?? [];
      req.session.save((saveError) => (saveError ? next(saveError) : res.json({ user: req.session.user })));
    });
  });
  // An anonymous visitor with something worth keeping (saveUninitialized: false saves it only now).
  app.post("/cart", (req, res) => {
    req.session.cart = req.body.cart;
    res.json({ cart: req.session.cart });
  });
  app.get("/", (req, res) => {
    req.session.views = (req.session.views ?? 0) + 1;
    res.json({ user: req.session.user ?? null, views: req.session.views, cart: req.session.cart ?? [] });
  });
  app.post("/logout", (req, res, next) => {
    req.session.destroy((error) => (error ? next(error) : res.json({ user: null })));
  });
  const server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      await client.close();
    },
  };
}
