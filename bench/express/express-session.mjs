// express-session + connect-redis as the field's guide sets them up: resave: false,
// saveUninitialized: false, a node-redis client, connect-redis's defaults (prefix "sess:", TTL one
// day). Plain JavaScript: @types/express-session types req.session too, and TypeScript refuses two
// types for it in one program. cookie-parser is left out: express-session does not need it, and it
// would only add to express-session's cost.
import { RedisStore } from "connect-redis";
import express from "express";
import session from "express-session";

/** Routes /init (a login storing the payload), /read (unchanged session), /write (a counter moves). */
export function expressSessionRouter({ client, secret, payload }) {
  const router = express.Router();
  router.use(session({ store: new RedisStore({ client }), secret, resave: false, saveUninitialized: false }));
  router.get("/init", (req, res, next) => {
    req.session.regenerate((error) => {
      if (error) return next(error);
      Object.assign(req.session, payload());
      res.json({ views: req.session.counters.views });
    });
  });
  router.get("/read", (req, res) => {
    res.json({ views: req.session.counters.views });
  });
  router.get("/write", (req, res) => {
    req.session.counters.views++;
    req.session.lastSeen = Date.now();
    res.json({ views: req.session.counters.views });
  });
  return router;
}
