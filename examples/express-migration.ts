/**
 * Moving an Express app from express-session + connect-redis to sealed-session, logging nobody out.
 *
 *   npm install sealed-session express redis      # express-session, connect-redis: uninstall them
 *   REDIS_URL=redis://127.0.0.1:6379 LEGACY_SECRETS=<express-session's secret(s)> \
 *   SESSION_SECRETS=<at least 32 random characters> node examples/express-migration.ts
 *
 * Before, the app had (docs/express.md walks through it line by line):
 *
 *   app.use(session({ store: new RedisStore({ client }), secret: ["new", "old"],
 *                     resave: false, saveUninitialized: false, cookie: { maxAge: 86_400_000 } }));
 *
 * A visitor who arrives with express-session's cookie (connect.sid) and no cookie of ours has their
 * record taken from Redis (GETDEL: it works once), mapped below, and gets our cookie in return;
 * connect.sid is cleared. Until MIGRATE_UNTIL: set it past the longest legacy session's expiry.
 */
import type { AddressInfo } from "node:net";
import express from "express";
import { createClient } from "redis";
import { sessions } from "sealed-session/express";

declare module "sealed-session/express" {
  interface SessionData {
    views: number;
    cart: string[];
  }
}

const { SESSION_SECRETS: secrets, LEGACY_SECRETS: legacySecrets, REDIS_URL: url } = process.env;
if (!secrets || !legacySecrets || !url) {
  console.error(
    "Set SESSION_SECRETS, LEGACY_SECRETS (express-session's secret, comma-separated) and REDIS_URL.",
  );
  process.exit(1);
}

// The Redis that connect-redis used. disableOfflineQueue: while Redis is down a legacy visitor is
// anonymous at once (and keeps connect.sid for a later try) instead of waiting for the timeout.
const redis = await createClient({ url, disableOfflineQueue: true })
  .on("error", () => {})
  .connect();

const app = express();
app.use(express.json());
app.use(
  sessions(
    { secrets },
    {
      migrate: {
        secret: legacySecrets.split(","), // express-session's `secret`, all of them
        redis, // the connect-redis client; records are read under "sess:" as connect-redis wrote them
        migrateUntil: new Date(process.env.MIGRATE_UNTIL ?? "2027-06-30"),
        // express-session has no user field: this app kept the user name in `user`.
        mapLegacy: (record) => ({
          userId: typeof record.user === "string" ? record.user : undefined,
          data: {
            views: typeof record.views === "number" ? record.views : 0,
            cart: Array.isArray(record.cart) ? record.cart.filter((item) => typeof item === "string") : [],
          },
        }),
      },
    },
  ),
);

app.get("/", (req, res) => {
  req.session.data.views = (req.session.data.views ?? 0) + 1;
  res.json({
    user: req.session.userId ?? null,
    views: req.session.data.views,
    cart: req.session.data.cart ?? [],
  });
});

app.post("/login", (req, res) => {
  if (!req.is("application/json")) return void res.sendStatus(415);
  const user: unknown = req.body?.user;
  if (typeof user !== "string" || user === "") return void res.status(400).json({ error: "user?" });
  req.session.login(user); // was: req.session.regenerate(() => { req.session.user = user; … })
  res.json({ user });
});

app.post("/logout", (req, res, next) => {
  // The express-session habit works as it was.
  req.session.destroy((error) => (error ? next(error) : res.json({ user: null })));
});

const server = app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  console.log(`Listening on http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
});
