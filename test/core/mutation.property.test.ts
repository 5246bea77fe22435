/**
 * Property tests: mutated tokens and cookies are never accepted unless they carry the very same
 * bytes, and nothing the client sends makes `unseal` throw anything but an UnsealError or `load` throw
 * at all. fast-check drives the mutations; the run counts add up to over 100,000 cases.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { createSessions, generateSecret, REASON_CODES, seal, UnsealError, unseal } from "sealed-session";
import { describe, it } from "vitest";
import { Jar, requestWithCookie } from "../support/http.ts";
import {
  cookieValue,
  type Format,
  mutated,
  mutationOf,
  sameBytes,
  separatorOf,
} from "../support/mutations.ts";

const secret = generateSecret();
const RUNS = { unseal: 30_000, load: 16_000, chunks: 8_000, junk: 6_000 };
const TIMEOUT = 120_000;
const data = { user: "ada", roles: ["admin", "editor"], n: 7 };
const FORMATS: readonly Format[] = ["jwe", "iron"];

async function cookieFor(format: Format, blob = "") {
  const sessions = createSessions<typeof data & { blob?: string }>({
    secrets: secret,
    format: [format],
    cookie: { maxBytes: 4 * 4096 },
  });
  const jar = new Jar();
  const session = await sessions.load(jar.request());
  session.data = blob ? { ...data, blob } : { ...data };
  const headers = new Headers();
  await sessions.commit(session, headers);
  jar.apply(headers);
  return { sessions, jar, id: session.id, expected: session.data };
}

function isReason(error: unknown): boolean {
  return error instanceof UnsealError && REASON_CODES.includes(error.code);
}

describe.each(FORMATS)("%s", (format) => {
  const separator = separatorOf(format);

  it(
    `unseal never accepts a mutated token with different bytes (${RUNS.unseal} runs)`,
    async () => {
      const token = await seal(data, { secrets: secret, format, ttl: 3600, purpose: "p" });
      const options = { secrets: secret, purpose: "p" };
      assert.deepEqual(await unseal(token, options), data);
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(mutated(token, separator), async (candidate) => {
          let value: unknown;
          try {
            value = await unseal(candidate, options);
          } catch (error) {
            assert.ok(isReason(error), `threw ${String(error)}`);
            return;
          }
          accepted++;
          assert.ok(sameBytes(format, candidate, token), `accepted different bytes: ${candidate}`);
          assert.deepEqual(value, data);
        }),
        { numRuns: RUNS.unseal },
      );
      // Some re-encodings (padding, trailing bits) may decode to the same bytes; that is all.
      assert.ok(accepted < RUNS.unseal / 4, `${accepted} accepted`);
    },
    TIMEOUT,
  );

  it(
    `load never accepts a mutated cookie with different bytes, and never throws (${RUNS.load} runs)`,
    async () => {
      const { sessions, jar, id, expected } = await cookieFor(format);
      const name = sessions.cookieName;
      const token = jar.get(name)!;
      await fc.assert(
        fc.asyncProperty(mutated(token, separator), async (candidate) => {
          const header = `${name}=${candidate}`;
          const session = await sessions.load(requestWithCookie(header));
          if (session.isNew) {
            assert.ok(REASON_CODES.includes(session.invalidReason!), String(session.invalidReason));
            assert.deepEqual(session.data, {});
            await sessions.commit(session, new Headers());
            return;
          }
          const seen = cookieValue(header, name) ?? "";
          assert.ok(sameBytes(format, seen, token), `accepted different bytes: ${seen}`);
          assert.equal(session.id, id);
          assert.deepEqual(session.data, expected);
        }),
        { numRuns: RUNS.load },
      );
    },
    TIMEOUT,
  );

  it(
    `load never accepts reordered, dropped, re-counted or mutated chunks (${RUNS.chunks} runs)`,
    async () => {
      const blob = Array.from({ length: 200 }, () => crypto.randomUUID()).join(""); // ~7.2 kB, random
      const { sessions, jar, id, expected } = await cookieFor(format, blob);
      const name = sessions.cookieName;
      const chunkNames = jar.names();
      assert.equal(chunkNames.length, 3, "the fixture spans three chunks");
      const values = chunkNames.map((chunk) => jar.get(chunk)!);
      const token = values[0]!.replace(/^\d:/, "") + values.slice(1).join("");

      const pairs = fc.oneof(
        // Any subset of the chunks, in any order, under any of the chunk names.
        fc
          .tuple(
            fc.shuffledSubarray(values, { minLength: 1 }),
            fc.shuffledSubarray([0, 1, 2, 3, 9], { minLength: 3, maxLength: 5 }),
          )
          .map(([chosen, indexes]) => chosen.map((value, i) => [`${name}.${indexes[i]}`, value] as const)),
        // One chunk mutated (no ";" so the header keeps its shape), the rest as they were.
        fc.tuple(fc.nat({ max: 2 }), fc.constant(null)).chain(([which]) =>
          mutationOf(values[which]!, separator)
            .filter((value) => !value.includes(";"))
            .map((value) => values.map((v, i) => [`${name}.${i}`, i === which ? value : v] as const)),
        ),
        // The count in chunk 0 changed.
        fc
          .constantFrom("0", "1", "2", "4", "9", "a", "")
          .map((count) =>
            values.map((v, i) => [`${name}.${i}`, i === 0 ? v.replace(/^\d/, count) : v] as const),
          ),
        // A stale extra chunk, or a duplicate name sent first.
        fc.tuple(fc.constantFrom(3, 4, 0, 1), fc.string({ maxLength: 50 })).map(([index, junk]) => {
          const extra = [`${name}.${index}`, junk.replace(/[;\s\0\r\n]/g, "")] as const;
          const base = values.map((v, i) => [`${name}.${i}`, v] as const);
          return index > 2 ? [...base, extra] : [extra, ...base];
        }),
      );

      await fc.assert(
        fc.asyncProperty(pairs, async (list) => {
          const header = list.map(([n, v]) => `${n}=${v}`).join("; ");
          const session = await sessions.load(requestWithCookie(header));
          if (session.isNew) {
            assert.ok(REASON_CODES.includes(session.invalidReason!), String(session.invalidReason));
            await sessions.commit(session, new Headers());
            return;
          }
          // The reader's rule: chunk 0 says how many chunks follow; first occurrence of a name wins.
          const first = cookieValue(header, `${name}.0`) ?? "";
          const count = Number(first.match(/^(\d):/)?.[1]);
          let joined = first.slice(2);
          for (let i = 1; i < count; i++) joined += cookieValue(header, `${name}.${i}`) ?? "";
          assert.ok(sameBytes(format, joined, token), `accepted different bytes from ${header.slice(0, 80)}`);
          assert.equal(session.id, id);
          assert.deepEqual(session.data, expected);
        }),
        { numRuns: RUNS.chunks },
      );
    },
    TIMEOUT,
  );
});

it(
  `load survives any Cookie header (${RUNS.junk} runs)`,
  async () => {
    const sessions = createSessions({ secrets: secret, format: ["jwe", "iron"] });
    const name = sessions.cookieName;
    const unit = fc.oneof(
      fc.constantFrom(
        ";",
        "=",
        " ",
        "%",
        ".",
        "*",
        "~",
        ",",
        '"',
        "\t",
        `${name}=`,
        `${name}.0=`,
        `${name}.1=`,
      ),
      fc.constantFrom("2:", "9:", "eyJ", "Fe26.2*", "\u00ff", "\u0080", "%00", "%zz"),
      fc.string({ unit: "grapheme-ascii", maxLength: 6 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(unit, { maxLength: 30 }), async (parts) => {
        const header = parts.join("").replace(/[\0\r\n]/g, "");
        const session = await sessions.load(requestWithCookie(header));
        assert.equal(session.isNew, true);
        if (session.invalidReason !== undefined) assert.ok(REASON_CODES.includes(session.invalidReason));
        await sessions.commit(session, new Headers());
      }),
      { numRuns: RUNS.junk },
    );
  },
  TIMEOUT,
);

it("the run counts add up to at least 100,000 cases", () => {
  const total = FORMATS.length * (RUNS.unseal + RUNS.load + RUNS.chunks) + RUNS.junk;
  assert.ok(total >= 100_000, String(total));
});

it("the judge: re-encodings of the same bytes are the same, a changed byte is not", async () => {
  const jwe = await seal(data, { secrets: secret });
  const [head, , iv, cipher, tag] = jwe.split(".") as [string, string, string, string, string];
  assert.ok(sameBytes("jwe", `${head}..${iv}.${cipher}==.${tag}`, jwe));
  assert.ok(
    sameBytes("jwe", `${head}..${iv}.${cipher.replaceAll("-", "+").replaceAll("_", "/")}.${tag}`, jwe),
  );
  assert.ok(!sameBytes("jwe", `${head}..${iv}.${cipher.toUpperCase()}.${tag}`, jwe));
  assert.ok(!sameBytes("jwe", `${head}=..${iv}.${cipher}.${tag}`, jwe), "the header is compared as text");
  const iron = await seal(data, { secrets: secret, format: "iron" });
  assert.ok(sameBytes("iron", `${iron}~2`, iron));
  assert.ok(!sameBytes("iron", iron.replace("Fe26.2*", "Fe26.2*1"), iron));
});
