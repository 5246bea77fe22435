import assert from "node:assert/strict";
import { CookieTooLargeError, createSessions, generateSecret, type SessionsOptions } from "sealed-session";
import type { Suite } from "../harness.ts";
import { clock, isClearing, Jar, requestWithCookie, type SetCookie, visit } from "../support/http.ts";

const secrets = generateSecret();

/** Text that does not compress or shorten: every byte of it travels. */
function noise(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(
    bytes,
    (byte) => "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[byte % 62],
  ).join("");
}

const live = (written: readonly SetCookie[]) => written.filter((cookie) => !isClearing(cookie));
const cleared = (written: readonly SetCookie[]) => written.filter(isClearing).map((cookie) => cookie.name);

/** Sessions that may be written as large as they may be read (`maxChunks` cookies), unless told otherwise. */
function blobSessions(options: Partial<SessionsOptions> = {}) {
  const maxBytes = (options.cookie?.maxChunks ?? 4) * 4096;
  return createSessions<{ blob: string }>({ secrets, ...options, cookie: { maxBytes, ...options.cookie } });
}

export default (t: Suite) => {
  t.test("default attributes: __Host- prefix, HttpOnly, Secure, SameSite=Lax, Path=/", async () => {
    const sessions = createSessions<{ n: number }>({ secrets, now: clock().now });
    assert.equal(sessions.cookieName, "__Host-session");
    const { written } = await visit(sessions, new Jar(), (session) => {
      session.data.n = 1;
    });
    const [cookie] = written;
    assert.equal(cookie?.name, "__Host-session");
    assert.equal(cookie?.attributes.get("path"), "/");
    assert.equal(cookie?.attributes.get("httponly"), true);
    assert.equal(cookie?.attributes.get("secure"), true);
    assert.equal(cookie?.attributes.get("samesite")?.toString().toLowerCase(), "lax");
    assert.equal(cookie?.attributes.has("domain"), false);
    assert.equal(cookie?.attributes.has("partitioned"), false);
    assert.equal(cookie?.attributes.get("max-age"), String(14 * 86_400 - 1));
  });

  t.test("every attribute is configurable, Partitioned and Priority included", async () => {
    const sessions = createSessions<{ n: number }>({
      secrets,
      cookie: {
        name: "sid",
        path: "/app",
        domain: "example.com",
        httpOnly: false,
        sameSite: "none",
        partitioned: true,
        priority: "high",
      },
    });
    assert.equal(sessions.cookieName, "__Secure-sid");
    const { written } = await visit(sessions, new Jar(), (session) => {
      session.data.n = 1;
    });
    const cookie = written[0]!;
    assert.equal(cookie.attributes.get("path"), "/app");
    assert.equal(cookie.attributes.get("domain"), "example.com");
    assert.equal(cookie.attributes.has("httponly"), false);
    assert.equal(cookie.attributes.get("secure"), true);
    assert.equal(cookie.attributes.get("samesite")?.toString().toLowerCase(), "none");
    assert.equal(cookie.attributes.get("partitioned"), true);
    assert.equal(cookie.attributes.get("priority")?.toString().toLowerCase(), "high");

    const strict = createSessions<{ n: number }>({
      secrets,
      cookie: { sameSite: "strict", priority: "low" },
    });
    const other = await visit(strict, new Jar(), (session) => {
      session.data.n = 1;
    });
    assert.equal(other.written[0]?.attributes.get("samesite")?.toString().toLowerCase(), "strict");
    assert.equal(other.written[0]?.attributes.get("priority")?.toString().toLowerCase(), "low");
  });

  t.test("the prefix follows the attributes: __Host-, __Secure-, or none", () => {
    const name = (cookie: SessionsOptions["cookie"]) => createSessions({ secrets, cookie }).cookieName;
    assert.equal(name({}), "__Host-session");
    assert.equal(name({ domain: "example.com" }), "__Secure-session");
    assert.equal(name({ path: "/app" }), "__Secure-session");
    assert.equal(name({ secure: false }), "session");
    assert.equal(name({ prefix: "" }), "session");
    assert.equal(name({ prefix: "__Secure-" }), "__Secure-session");
    assert.equal(name({ name: "__Secure-sid", path: "/x" }), "__Secure-sid");
    assert.equal(name({ name: "__Host-sid" }), "__Host-sid");
  });

  t.test(
    "a large session spans <name>.0..n, each at most 4096 bytes of name + value, and reads back",
    async () => {
      for (const format of ["jwe", "iron"] as const) {
        const sessions = blobSessions({ format });
        const jar = new Jar();
        const blob = noise(7_000); // about 9.4 kB sealed: three chunks
        const { written } = await visit(sessions, jar, (session) => {
          session.data.blob = blob;
        });
        assert.deepEqual(
          written.map((cookie) => cookie.name),
          ["__Host-session.0", "__Host-session.1", "__Host-session.2"],
        );
        for (const cookie of written) {
          assert.ok(cookie.bytes <= 4096, `${cookie.name}: ${cookie.bytes}`);
          assert.equal(cookie.attributes.get("path"), "/");
        }
        assert.match(written[0]!.value, /^3:/);
        const { session } = await visit(sessions, jar);
        assert.equal(session.isNew, false, format);
        assert.equal(session.data.blob, blob);
      }
    },
  );

  t.test("shrinking clears stale higher chunks; back to one cookie clears them all", async () => {
    const sessions = blobSessions();
    const jar = new Jar();
    await visit(sessions, jar, (session) => {
      session.data.blob = noise(7_000);
    });
    const two = await visit(sessions, jar, (session) => {
      session.data.blob = noise(4_000);
    });
    assert.deepEqual(
      live(two.written).map((cookie) => cookie.name),
      ["__Host-session.0", "__Host-session.1"],
    );
    assert.deepEqual(cleared(two.written), ["__Host-session.2"]);
    const one = await visit(sessions, jar, (session) => {
      session.data.blob = "small";
    });
    assert.deepEqual(
      live(one.written).map((cookie) => cookie.name),
      ["__Host-session"],
    );
    assert.deepEqual(cleared(one.written).sort(), ["__Host-session.0", "__Host-session.1"]);
    assert.deepEqual(jar.names(), ["__Host-session"]);
    assert.equal((await visit(sessions, jar)).session.data.blob, "small");
  });

  t.test("growing from one cookie to chunks clears the single cookie", async () => {
    const sessions = blobSessions();
    const jar = new Jar();
    await visit(sessions, jar, (session) => {
      session.data.blob = "small";
    });
    const grown = await visit(sessions, jar, (session) => {
      session.data.blob = noise(4_000);
    });
    assert.deepEqual(cleared(grown.written), ["__Host-session"]);
    assert.deepEqual(jar.names().sort(), ["__Host-session.0", "__Host-session.1"]);
    assert.equal((await visit(sessions, jar)).session.isNew, false);
  });

  t.test(
    "a stale higher chunk the browser kept is never appended, and is cleared on the next write",
    async () => {
      const sessions = blobSessions();
      const jar = new Jar();
      const blob = noise(5_000);
      await visit(sessions, jar, (session) => {
        session.data.blob = blob;
      });
      jar.set("__Host-session.2", noise(3000)); // left over from an older, larger session
      const read = await visit(sessions, jar);
      assert.equal(read.session.isNew, false);
      assert.equal(read.session.data.blob, blob);
      const written = await visit(sessions, jar, (session) => {
        session.data.blob = `${blob}!`;
      });
      assert.ok(cleared(written.written).includes("__Host-session.2"));
    },
  );

  t.test("reordered or missing chunks are rejected and all cleared", async () => {
    const sessions = blobSessions();
    const original = new Jar();
    await visit(sessions, original, (session) => {
      session.data.blob = noise(7_000);
    });
    const [c0, c1, c2] = ["__Host-session.0", "__Host-session.1", "__Host-session.2"].map(
      (name) => original.get(name) ?? "",
    ) as [string, string, string];
    const variants: [string, string, readonly string[]][] = [
      [
        "first two swapped",
        `__Host-session.0=${c1}; __Host-session.1=${c0}; __Host-session.2=${c2}`,
        ["malformed"],
      ],
      ["middle missing", `__Host-session.0=${c0}; __Host-session.2=${c2}`, ["malformed"]],
      ["last missing", `__Host-session.0=${c0}; __Host-session.1=${c1}`, ["malformed", "bad_seal"]],
      ["first missing", `__Host-session.1=${c1}; __Host-session.2=${c2}`, ["malformed"]],
      [
        "last two swapped",
        `__Host-session.0=${c0}; __Host-session.1=${c2}; __Host-session.2=${c1}`,
        ["malformed", "bad_seal"],
      ],
      [
        "count changed",
        `__Host-session.0=2${c0.slice(1)}; __Host-session.1=${c1}; __Host-session.2=${c2}`,
        ["malformed", "bad_seal"],
      ],
    ];
    for (const [label, cookie, reasons] of variants) {
      const session = await sessions.load(requestWithCookie(cookie));
      assert.equal(session.isNew, true, label);
      assert.ok(reasons.includes(session.invalidReason ?? "none"), `${label}: ${session.invalidReason}`);
      const headers = new Headers();
      await sessions.commit(session, headers);
      const sent = cookie.split("; ").map((pair) => pair.slice(0, pair.indexOf("=")));
      assert.deepEqual(
        cleared(headers.getSetCookie().map((line) => ({ ...parseLine(line) }))).sort(),
        sent.sort(),
        label,
      );
    }
  });

  t.test(
    "past maxChunks, commit throws CookieTooLargeError naming the size and appends nothing",
    async () => {
      const sessions = blobSessions({ cookie: { maxChunks: 2 } });
      const session = await sessions.load(new Request("https://example.com/"));
      session.data.blob = noise(9_000);
      const headers = new Headers();
      await assert.rejects(sessions.commit(session, headers), (error: unknown) => {
        assert.ok(error instanceof CookieTooLargeError);
        assert.equal(error.code, "too_large");
        assert.ok(error.bytes > error.limit);
        assert.ok(error.message.includes(String(error.bytes)), error.message);
        assert.ok(!error.message.includes(session.data.blob ?? "-"), "no session contents in the message");
        return true;
      });
      assert.deepEqual(headers.getSetCookie(), []);
    },
  );

  t.test("maxChunks: 1 keeps a session in one cookie or throws", async () => {
    const sessions = blobSessions({ cookie: { maxChunks: 1 } });
    const fits = await visit(sessions, new Jar(), (session) => {
      session.data.blob = noise(2_500);
    });
    assert.deepEqual(
      fits.written.map((cookie) => cookie.name),
      ["__Host-session"],
    );
    const session = await sessions.load(new Request("https://example.com/"));
    session.data.blob = noise(3_500);
    await assert.rejects(sessions.commit(session, new Headers()), CookieTooLargeError);
  });

  t.test("an oversize incoming cookie is too_large before any crypto, and cleared", async () => {
    const sessions = blobSessions({ cookie: { maxChunks: 2 } });
    const big = blobSessions({ cookie: { maxChunks: 4 } });
    const jar = new Jar();
    await visit(big, jar, (session) => {
      session.data.blob = noise(10_000);
    });
    const fromBig = await visit(sessions, jar);
    assert.equal(fromBig.session.invalidReason, "too_large");
    assert.deepEqual(jar.names(), []);
    // Garbage that would be malformed if anything tried to open it.
    for (const cookie of [
      `__Host-session=${"x".repeat(9000)}`,
      `__Host-session.0=3:${"x".repeat(4000)}; __Host-session.1=${"x".repeat(4000)}; __Host-session.2=x`,
      `__Host-session.0=9:${"x".repeat(10)}`,
      // One cookie over 4096 bytes of name + value: no browser keeps one, so it was made by hand.
      `__Host-session=${"x".repeat(4097 - "__Host-session".length)}`,
      `__Host-session.0=2:${"x".repeat(4100)}; __Host-session.1=x`,
    ]) {
      const session = await sessions.load(requestWithCookie(cookie));
      assert.equal(session.invalidReason, "too_large", cookie.slice(0, 40));
    }
  });

  t.test("onLargeCookie warns once a session reaches warnAt", async () => {
    const events: { bytes: number; limit: number; cookie: string }[] = [];
    const sessions = blobSessions({ onLargeCookie: (event) => events.push(event), cookie: { warnAt: 2000 } });
    await visit(sessions, new Jar(), (session) => {
      session.data.blob = noise(500);
    });
    assert.equal(events.length, 0);
    const { written } = await visit(sessions, new Jar(), (session) => {
      session.data.blob = noise(2_000);
    });
    assert.equal(events.length, 1);
    assert.equal(events[0]?.cookie, "__Host-session");
    assert.ok(events[0]!.bytes >= 2000);
    assert.ok(
      Math.abs(events[0]!.bytes - written[0]!.bytes) <= 2,
      `${events[0]!.bytes} vs ${written[0]!.bytes}`,
    );
    assert.ok(events[0]!.limit > 4 * 4000);
  });

  t.test("estimateSize matches the bytes commit writes, to the byte", async () => {
    for (const format of ["jwe", "iron"] as const) {
      for (const options of [{ format }, { format, ironSuffix: "~2" }, { format, cookie: { name: "s" } }]) {
        const sessions = blobSessions(options);
        for (const length of [0, 1, 15, 16, 17, 100, 1000, 2900, 3000, 4000, 8000, 12_000]) {
          const session = await sessions.load(new Request("https://example.com/"));
          session.data.blob = noise(length);
          const estimate = sessions.estimateSize(session);
          const headers = new Headers();
          await sessions.commit(session, headers);
          const actual = live(headers.getSetCookie().map(parseLine)).reduce(
            (sum, cookie) => sum + cookie.bytes,
            0,
          );
          assert.equal(estimate, actual, `${format} ${JSON.stringify(options)} ${length}`);
        }
      }
    }
  });

  t.test("estimateSize of a loaded session is off by at most the refresh time's digits", async () => {
    const time = clock();
    const sessions = blobSessions({ now: time.now, idleTimeout: 3600 });
    const jar = new Jar();
    await visit(sessions, jar, (session) => {
      session.data.blob = noise(1000);
    });
    time.advance(1234);
    const session = await sessions.load(jar.request());
    session.data.blob = noise(1000);
    const estimate = sessions.estimateSize(session);
    const headers = new Headers();
    await sessions.commit(session, headers);
    const actual = live(headers.getSetCookie().map(parseLine)).reduce((sum, cookie) => sum + cookie.bytes, 0);
    assert.ok(Math.abs(estimate - actual) <= 4, `estimated ${estimate}, wrote ${actual}`);
  });

  t.test("several managers with different cookie names share one request and response", async () => {
    const auth = createSessions<{ user: string }>({ secrets, cookie: { name: "auth" } });
    const prefs = createSessions<{ theme: string }>({ secrets, cookie: { name: "prefs" }, format: "iron" });
    const jar = new Jar();
    const request = jar.request();
    const [a, p] = [await auth.load(request), await prefs.load(request)];
    a.data.user = "ada";
    p.data.theme = "dark";
    const headers = new Headers();
    await auth.commit(a, headers);
    await prefs.commit(p, headers);
    jar.apply(headers);
    assert.deepEqual(jar.names().sort(), ["__Host-auth", "__Host-prefs"]);
    const next = jar.request();
    assert.deepEqual((await auth.load(next)).data, { user: "ada" });
    assert.deepEqual((await prefs.load(next)).data, { theme: "dark" });
    // Destroying one leaves the other alone.
    const ended = await auth.load(next);
    ended.destroy();
    const out = new Headers();
    await auth.commit(ended, out);
    await prefs.commit(await prefs.load(next), out);
    jar.apply(out);
    assert.deepEqual(jar.names(), ["__Host-prefs"]);
  });

  t.test("by default a session is written as one cookie: past 4096 bytes commit throws", async () => {
    const sessions = createSessions<{ blob: string }>({ secrets });
    const fits = await visit(sessions, new Jar(), (session) => {
      session.data.blob = noise(2_500);
    });
    assert.deepEqual(
      fits.written.map((cookie) => cookie.name),
      ["__Host-session"],
    );
    const session = await sessions.load(new Request("https://example.com/"));
    session.data.blob = noise(3_200);
    const headers = new Headers();
    await assert.rejects(sessions.commit(session, headers), (error: unknown) => {
      assert.ok(error instanceof CookieTooLargeError);
      assert.equal(error.limit, 4096);
      assert.ok(error.bytes > 4096);
      assert.match(error.message, /cookie\.maxBytes/);
      return true;
    });
    assert.deepEqual(headers.getSetCookie(), []);
    // Raising maxBytes lets it span cookies.
    const roomy = createSessions<{ blob: string }>({ secrets, cookie: { maxBytes: 8192 } });
    const { written } = await visit(roomy, new Jar(), (s) => {
      s.data.blob = noise(3_200);
    });
    assert.deepEqual(
      written.map((cookie) => cookie.name),
      ["__Host-session.0", "__Host-session.1"],
    );
  });

  t.test("cookie.maxBytes is checked at start-up against maxChunks", () => {
    for (const cookie of [
      { maxBytes: 512 },
      { maxBytes: 4.5e3 + 0.5 },
      { maxBytes: 16_385 },
      { maxChunks: 1, maxBytes: 8192 },
    ]) {
      assert.throws(() => createSessions({ secrets, cookie }), /cookie\.maxBytes/, JSON.stringify(cookie));
    }
  });

  t.test(
    "a session larger than the write cap that already exists keeps working: read, refreshed, kept",
    async () => {
      const time = clock();
      const big = createSessions<{ blob: string; n?: number }>({
        secrets,
        idleTimeout: 600,
        now: time.now,
        cookie: { maxBytes: 12_288 },
      });
      const jar = new Jar();
      await visit(big, jar, (session) => {
        session.data.blob = noise(7_000);
      });
      assert.equal(jar.names().length, 3);
      // The same app with the default cap (4096) after an upgrade:
      const sessions = createSessions<{ blob: string; n?: number }>({
        secrets,
        idleTimeout: 600,
        now: time.now,
      });
      const read = await visit(sessions, jar);
      assert.equal(read.session.invalidReason, undefined);
      assert.equal(read.session.data.blob?.length, 7_000);
      time.advance(120); // a refresh is due: written as large as it came
      const refreshed = await visit(sessions, jar);
      assert.equal(refreshed.written.length, 3);
      // A change that keeps its size is fine; one that grows it past what it arrived with is not.
      await visit(sessions, jar, (session) => {
        session.data.blob = noise(6_990);
      });
      const session = await sessions.load(jar.request());
      session.data.blob = noise(7_500);
      await assert.rejects(sessions.commit(session, new Headers()), CookieTooLargeError);
    },
  );

  t.test("a chunk head percent-encoded by a framework (2%3A, as Next.js writes it) still reads", async () => {
    const sessions = blobSessions();
    const jar = new Jar();
    const blob = noise(5_000);
    await visit(sessions, jar, (session) => {
      session.data.blob = blob;
    });
    const first = jar.get("__Host-session.0") ?? "";
    assert.match(first, /^2:/);
    for (const encoded of ["%3A", "%3a"]) {
      jar.set("__Host-session.0", `2${encoded}${first.slice(2)}`);
      const { session } = await visit(sessions, jar);
      assert.equal(session.invalidReason, undefined, encoded);
      assert.equal(session.data.blob, blob);
      jar.set("__Host-session.0", first);
    }
  });
};

function parseLine(line: string): SetCookie {
  const jar = new Jar();
  const headers = new Headers();
  headers.append("set-cookie", line);
  return jar.apply(headers)[0]!;
}
