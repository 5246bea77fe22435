/**
 * The sealed-session demo Worker: a JSON API under /api and a page at / that uses it.
 * `npm start` runs it under `wrangler dev`; docs/demo.md explains deploying it.
 */
import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { NONCE, type SecureHeadersVariables, secureHeaders } from "hono/secure-headers";
import {
  ConfigError,
  CookieTooLargeError,
  DataError,
  RegistryUnavailableError,
  StoreConflictError,
  StoreWriteError,
} from "sealed-session";
import { jwksRoute } from "sealed-session/hono";
import { api, DATA_REFUSED } from "./api.ts";
import { type DemoBindings, hasSecret, MISSING_SECRET } from "./config.ts";
import { forms } from "./forms.ts";
import { errorPage, page } from "./page.ts";
import { demoSigningKeys } from "./tokens.ts";

type AppEnv = { Bindings: DemoBindings; Variables: SecureHeadersVariables };
const app = new Hono<AppEnv>();
const nonceOf = (c: Context<AppEnv>) => c.get("secureHeadersNonce") ?? "";

app.use(
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      scriptSrc: [NONCE],
      styleSrc: [NONCE],
      connectSrc: ["'self'"],
      // The page's one HTML form posts to /form/note, with a CSRF token.
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
  }),
);

// Without a secret nothing can be sealed: refuse every request, loudly, instead of running insecurely.
app.use(async (c, next) => {
  if (hasSecret(c.env)) return next();
  console.error(`demo: ${MISSING_SECRET}`);
  if (c.req.path.startsWith("/api/")) return c.json({ error: MISSING_SECRET }, 500);
  return c.html(errorPage("The demo is not configured", MISSING_SECRET, nonceOf(c)), 500);
});

app.route("/api", api);
app.route("/form", forms);
// Public keys only: publishing needs neither a Tokens nor a revocation store.
app.get(
  "/.well-known/jwks.json",
  jwksRoute((c) => demoSigningKeys(c.env)),
);
app.get("/", (c) => c.html(page(nonceOf(c))));

app.onError((error, c) => {
  if (error instanceof HTTPException) return error.getResponse();
  if (error instanceof DataError) {
    // Only client data reaches the session here; PUT /api/data checks it first, this is the backstop.
    return c.json({ error: DATA_REFUSED }, 400);
  }
  if (error instanceof RegistryUnavailableError) {
    // The registry could not list or end sessions: say so, never pretend it worked.
    return c.json({ error: "registry_unavailable" }, 503, { "retry-after": "5" });
  }
  if (error instanceof StoreWriteError && error.code === "too_large") {
    return c.json({ error: "that would make the session larger than the demo's 128 KiB; store less" }, 413);
  }
  if (error instanceof StoreWriteError || error instanceof StoreConflictError) {
    // The store could not record the change: the browser keeps its previous cookie, nothing is half-done.
    return c.json({ error: "store_unavailable" }, 503, { "retry-after": "5" });
  }
  if (error instanceof CookieTooLargeError) {
    // The session would not fit its cookies: here only PUT /api/data can cause that.
    return c.json({ error: "that would make the session too large for its cookies; store less" }, 413);
  }
  if (error instanceof ConfigError) {
    console.error(`demo: ${error.message}`);
    if (c.req.path.startsWith("/api/")) return c.json({ error: error.message }, 500);
    return c.html(errorPage("The demo is misconfigured", error.message, nonceOf(c)), 500);
  }
  console.error("demo: unexpected error", error);
  return c.json({ error: "internal error" }, 500);
});

export default app;

// Durable Object classes bound in wrangler.toml must be exports of the main module.
export { SessionDataStore, SessionRegistry, SessionRevocations } from "sealed-session/cloudflare";
