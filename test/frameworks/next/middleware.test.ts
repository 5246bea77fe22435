// The interceptor as middleware.ts — the file convention before Next 16, which Next 16 still runs,
// in the edge runtime by default — built and served like examples/next-app (see app.ts).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createSessions, generateSecret } from "../../../src/index.ts";
import { type Build, buildOnce, Jar, middlewareAppDir, type NextServer, startNext } from "./app.ts";

const SECRET = generateSecret();
const OPTIONS = { secrets: SECRET, idleTimeout: 60 * 60 };

describe("the proxy helper in middleware.ts, edge runtime (a second next build)", {
  timeout: 600_000,
}, () => {
  let server: NextServer;
  let build: Build;

  before(async () => {
    build = buildOnce(middlewareAppDir);
    console.log(
      build.reused ? "next build (middleware.ts): reused" : `next build (middleware.ts): ${build.seconds} s`,
    );
    server = await startNext({ SESSION_SECRETS: SECRET }, middlewareAppDir, "/");
  });

  after(async () => {
    await server?.stop();
  });

  const visit = async (jar: Jar) => {
    const response = await fetch(`${server.base}/`, { headers: { cookie: jar.header() } });
    assert.equal(response.status, 200);
    const lines = jar.take(response);
    const html = await response.text();
    return {
      lines,
      runtime: response.headers.get("x-interceptor-runtime"),
      user: /id="user">([^<]*)</.exec(html)?.[1],
      idle: Number(/id="idle">([^<]*)</.exec(html)?.[1]),
    };
  };

  it("was built with the installed SWC binary, downloading nothing, and Next warns middleware.ts is deprecated", () => {
    assert.match(build.log, /\(Turbopack\)/);
    assert.doesNotMatch(build.log, /download|installing|wasm|Failed to load SWC|registry/i);
    assert.match(build.log, /The "middleware" file convention is deprecated/);
  });

  it("runs in the edge runtime and forwards its refresh to the same request's Server Component", async () => {
    const earlier = createSessions({ ...OPTIONS, now: () => Date.now() - 20 * 60_000 });
    const session = await earlier.load(new Headers());
    session.login("kim");
    const headers = new Headers();
    await earlier.commit(session, headers);
    const jar = new Jar();
    jar.take(new Response(null, { headers }));

    const shown = await visit(jar);
    assert.equal(shown.runtime, "edge");
    assert.equal(shown.user, "kim");
    assert.equal(shown.lines.length, 1, "the middleware set the refreshed cookie");
    const refreshed = await createSessions(OPTIONS).load(new Headers({ cookie: jar.header() }));
    assert.ok((refreshed.idleExpiresAt ?? 0) >= (session.idleExpiresAt ?? 0) + 19 * 60_000);
    assert.equal(shown.idle, refreshed.idleExpiresAt, "the page rendered from the forwarded cookie");
  });

  it("clears a tampered cookie before the page renders", async () => {
    const jar = new Jar();
    jar.cookies.set("__Host-session", "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..garbage.garbage.garbage");
    const shown = await visit(jar);
    assert.equal(shown.user, "anonymous");
    assert.ok(shown.lines.some((line) => line.startsWith("__Host-session=;") && /max-age=0/i.test(line)));
  });
});
