/**
 * Request rules for the JSON API. SameSite=Lax cookies plus these rules stop cross-site writes:
 * a cross-site page can send a form or a `text/plain` POST without a CORS preflight, but not an
 * `application/json` one, and browsers say where a request came from in `Origin` / `Sec-Fetch-Site`.
 */
import { createMiddleware } from "hono/factory";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/** The biggest body the API reads; sessions are a few KB at most anyway. */
const MAX_BODY = 64 * 1024;

export type RulesEnv = { Variables: { body: unknown } };

/** Refuses cross-site requests (403), non-JSON bodies on unsafe methods (415), bad JSON (400). */
export const requestRules = createMiddleware<RulesEnv>(async (c, next) => {
  const origin = c.req.header("origin");
  const site = c.req.header("sec-fetch-site");
  // "none" is a user typing the URL; "same-site" is a sibling subdomain, which is still another site's code.
  const crossSite =
    (origin !== undefined && origin !== new URL(c.req.url).origin) ||
    (site !== undefined && site !== "same-origin" && site !== "none");
  if (crossSite) return c.json({ error: "cross-site requests are refused" }, 403);

  if (UNSAFE.has(c.req.method)) {
    if (Number(c.req.header("content-length") ?? 0) > MAX_BODY) {
      return c.json({ error: `bodies are limited to ${MAX_BODY} bytes` }, 413);
    }
    const text = await c.req.text();
    if (text.length > MAX_BODY) return c.json({ error: `bodies are limited to ${MAX_BODY} bytes` }, 413);
    // Bodyless POSTs (curl -X POST) are fine: they cannot smuggle a form.
    if (text !== "") {
      const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
      if (type !== "application/json") {
        return c.json({ error: "send the body as application/json" }, 415);
      }
      try {
        c.set("body", JSON.parse(text));
      } catch {
        return c.json({ error: "the body is not valid JSON" }, 400);
      }
    }
  }
  await next();
});
