/**
 * Request rules for the JSON API. SameSite=Lax cookies plus these rules stop cross-site writes:
 * a cross-site page can send a form or a `text/plain` POST without a CORS preflight, but not an
 * `application/json` one, and browsers say where a request came from in `Origin` / `Sec-Fetch-Site`.
 */
import { createMiddleware } from "hono/factory";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/** The biggest body the API reads, in bytes; sessions are a few KB at most anyway. */
const MAX_BODY = 64 * 1024;

export type RulesEnv = { Variables: { body: unknown } };

/**
 * Refuses cross-site requests (403), bodies over {@link MAX_BODY} bytes (413, without reading past
 * the limit), non-JSON bodies on unsafe methods (415), bad JSON (400).
 */
export const requestRules = createMiddleware<RulesEnv>(async (c, next) => {
  const origin = c.req.header("origin");
  const site = c.req.header("sec-fetch-site");
  // "none" is a user typing the URL; "same-site" is a sibling subdomain, which is still another site's code.
  const crossSite =
    (origin !== undefined && origin !== new URL(c.req.url).origin) ||
    (site !== undefined && site !== "same-origin" && site !== "none");
  if (crossSite) return c.json({ error: "cross-site requests are refused" }, 403);

  if (UNSAFE.has(c.req.method)) {
    const tooLarge = () => c.json({ error: `bodies are limited to ${MAX_BODY} bytes` }, 413);
    if (Number(c.req.header("content-length") ?? 0) > MAX_BODY) return tooLarge();
    // Counted in bytes as they arrive: a chunked body needs no Content-Length, and may never end.
    const bytes = await readAtMost(c.req.raw.body, MAX_BODY);
    if (bytes === undefined) return tooLarge();
    const text = utf8.decode(bytes);
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

// Like Request.text(): UTF-8, a BOM dropped, invalid bytes replaced (JSON.parse then decides).
const utf8 = new TextDecoder();

/** The body's bytes, or undefined as soon as it passes `limit` bytes: the rest is never read. */
async function readAtMost(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<Uint8Array | undefined> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      // Stop the sender; a body that fails to cancel is no reason to answer anything but 413.
      reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
