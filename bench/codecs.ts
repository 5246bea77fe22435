/**
 * Codec cases: seal, unseal and round trip (unseal + seal) of the same payload by every library.
 * Round trips run as chains: each op unseals the token the previous op sealed, changes a counter
 * and seals again, so every unseal sees a token it has never seen (no token cache can help).
 */
import * as HapiIron from "@hapi/iron";
import { createEncryptionKey, jweDecrypt, jweEncrypt } from "@hono/session/cookies";
import { decrypt as honoSessionsDecrypt, encrypt as honoSessionsEncrypt } from "hono-sessions";
import { sealData, unsealData } from "iron-session";
import { CompactEncrypt, compactDecrypt, EncryptJWT, jwtDecrypt } from "jose";
import { createSessions, type Format, seal, unseal } from "../src/index.ts";
import { cbcHmacFloor, envelopeOf, type FloorEnvelope, gcmFloor, jweFloor } from "./floor.ts";
import type { Case } from "./measure.ts";
import { LIFETIME_S, makePayload, type Payload, SECRET } from "./payload.ts";

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

type Sealer<T> = { seal(value: T): Promise<string>; unseal(token: string): Promise<T> };

/** Registers seal, unseal and round-trip cases for one codec. */
async function codecCases<T>(
  name: string,
  codec: Sealer<T>,
  initial: () => T,
  touch: (value: T) => void,
  withSingles: boolean,
): Promise<Case[]> {
  let token = await codec.seal(initial());
  // Check it really round-trips before timing anything.
  touch(await codec.unseal(token));
  const cases: Case[] = [
    {
      name: `rt_${name}`,
      run: async () => {
        const value = await codec.unseal(token);
        touch(value);
        token = await codec.seal(value);
      },
    },
  ];
  if (withSingles) {
    const pool = await Promise.all(Array.from({ length: 64 }, () => codec.seal(initial())));
    let next = 0;
    cases.push(
      { name: `seal_${name}`, run: () => codec.seal(initial()) },
      { name: `unseal_${name}`, run: () => codec.unseal(pool[next++ & 63]!) },
    );
  }
  return cases;
}

const touchEnvelope = (envelope: FloorEnvelope) => {
  (envelope[7] as Payload).counters.views++;
};
const touchPayload = (payload: Payload) => {
  payload.counters.views++;
};
const freshEnvelope = () => envelopeOf(makePayload());

/**
 * The session manager's own load + commit, outside any framework, on fresh cookies. Two managers
 * with the same secret take turns: each only ever loads cookies the other one committed, so no
 * per-manager token cache ever holds the incoming cookie.
 */
async function managerChain(format: Format): Promise<{ run: () => Promise<void>; tokenBytes: number }> {
  const managers = [0, 1].map(() => createSessions<Payload>({ secrets: SECRET, format }));
  let turn = 0;
  const step = async (cookie: string | undefined): Promise<string> => {
    const manager = managers[turn]!;
    turn ^= 1;
    const session = await manager.load(
      new Headers(cookie === undefined ? {} : { cookie: `${manager.cookieName}=${cookie}` }),
    );
    if (cookie !== undefined && session.isNew) throw new Error(`manager ${format}: cookie rejected`);
    if (session.isNew) session.data = makePayload();
    else session.data.counters!.views++;
    const out = new Headers();
    await manager.commit(session, out);
    const setCookie = out.getSetCookie()[0];
    if (!setCookie) throw new Error(`manager ${format}: no Set-Cookie`);
    return setCookie.slice(setCookie.indexOf("=") + 1, setCookie.indexOf(";"));
  };
  let cookie = await step(undefined);
  return {
    tokenBytes: cookie.length,
    run: async () => {
      cookie = await step(cookie);
    },
  };
}

export interface CodecSetup {
  readonly cases: Case[];
  /** Token lengths in characters for the payload, by codec. */
  readonly tokenBytes: Record<string, number>;
  readonly skipped: string[];
}

export async function setupCodecs(): Promise<CodecSetup> {
  const cases: Case[] = [];
  const tokenBytes: Record<string, number> = {};
  const skipped: string[] = [];
  const add = async <T>(
    name: string,
    make: () => Promise<Sealer<T>>,
    initial: () => T,
    touch: (value: T) => void,
    withSingles = false,
  ) => {
    try {
      const codec = await make();
      cases.push(...(await codecCases(name, codec, initial, touch, withSingles)));
      tokenBytes[name] = (await codec.seal(initial())).length;
    } catch (error) {
      skipped.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  await add(
    "floor_gcm",
    gcmFloor as () => Promise<Sealer<FloorEnvelope>>,
    freshEnvelope,
    touchEnvelope,
    true,
  );
  await add(
    "floor_jwe",
    async () => {
      const floor = await jweFloor();
      // It must be a real JWE: jose has to open it.
      await compactDecrypt(await floor.seal(freshEnvelope()), floor.key);
      return floor as Sealer<FloorEnvelope>;
    },
    freshEnvelope,
    touchEnvelope,
  );
  await add(
    "jose_compact",
    async () => {
      // What ours builds on: jose's compact JWE with the same header, minus our glue.
      const floor = await jweFloor();
      const header = { alg: "dir", enc: "A256GCM", kid: "bench1" } as const;
      return {
        seal: (value: FloorEnvelope) =>
          new CompactEncrypt(utf8.encode(JSON.stringify(value)))
            .setProtectedHeader(header)
            .encrypt(floor.key),
        unseal: async (token: string) =>
          JSON.parse(fromUtf8.decode((await compactDecrypt(token, floor.key)).plaintext)) as FloorEnvelope,
      };
    },
    freshEnvelope,
    touchEnvelope,
  );
  await add(
    "floor_cbc_hmac",
    cbcHmacFloor as () => Promise<Sealer<FloorEnvelope>>,
    freshEnvelope,
    touchEnvelope,
  );
  for (const format of ["jwe", "iron"] as const) {
    await add(
      `ours_${format}`,
      async () => ({
        seal: (value: FloorEnvelope) => seal(value, { secrets: SECRET, format, ttl: LIFETIME_S }),
        unseal: (token: string) => unseal<FloorEnvelope>(token, { secrets: SECRET, format }),
      }),
      freshEnvelope,
      touchEnvelope,
      true,
    );
  }
  for (const format of ["jwe", "iron"] as const) {
    try {
      const chain = await managerChain(format);
      tokenBytes[`manager_${format}`] = chain.tokenBytes;
      cases.push({ name: `rt_manager_${format}`, run: chain.run });
    } catch (error) {
      skipped.push(`manager_${format}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  await add(
    "ironsession",
    async () => ({
      seal: (value: Payload) => sealData(value, { password: SECRET, ttl: LIFETIME_S }),
      unseal: (token: string) => unsealData<Payload>(token, { password: SECRET, ttl: LIFETIME_S }),
    }),
    makePayload,
    touchPayload,
    true,
  );
  await add(
    "hapi_iron",
    async () => ({
      seal: (value: Payload) =>
        HapiIron.seal(value, SECRET, { ...HapiIron.defaults, ttl: LIFETIME_S * 1000 }),
      unseal: async (token: string) =>
        (await HapiIron.unseal(token, SECRET, { ...HapiIron.defaults, ttl: LIFETIME_S * 1000 })) as Payload,
    }),
    makePayload,
    touchPayload,
  );
  await add(
    "jose_jwt",
    async () => {
      const key = await crypto.subtle.importKey(
        "raw",
        crypto.getRandomValues(new Uint8Array(32)),
        "AES-GCM",
        false,
        ["encrypt", "decrypt"],
      );
      return {
        seal: (value: Payload) =>
          new EncryptJWT({ ...value })
            .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
            .setIssuedAt()
            .setExpirationTime(`${LIFETIME_S}s`)
            .encrypt(key),
        unseal: async (token: string) => (await jwtDecrypt<Payload>(token, key)).payload,
      };
    },
    makePayload,
    touchPayload,
    true,
  );
  await add(
    "honojwe",
    async () => {
      const key = await createEncryptionKey(SECRET);
      return {
        seal: async (value: Payload) =>
          (await jweEncrypt({ sid: "x".repeat(40), ...value }, key, { absolute: LIFETIME_S })).jwe,
        unseal: async (token: string) => {
          const result = await jweDecrypt<Payload>(token, key, { requiredClaims: ["sid"] });
          if (!result.payload) throw new Error("@hono/session rejected its own token");
          return result.payload;
        },
      };
    },
    makePayload,
    touchPayload,
  );
  await add(
    "honosessions",
    async () => ({
      // hono-sessions' CookieStore seals JSON text of its cache object.
      seal: (value: Payload) => honoSessionsEncrypt(SECRET, JSON.stringify(honoSessionsCache(value))),
      unseal: async (token: string) => {
        const cache = JSON.parse(String(await honoSessionsDecrypt(SECRET, token))) as {
          _data: Record<string, { value: unknown }>;
        };
        return Object.fromEntries(
          Object.entries(cache._data).map(([k, v]) => [k, v.value]),
        ) as unknown as Payload;
      },
    }),
    makePayload,
    touchPayload,
  );
  return { cases, tokenBytes, skipped };
}

/** The object hono-sessions stores for a session holding `payload` (see its Session class). */
function honoSessionsCache(payload: Payload) {
  return {
    _data: Object.fromEntries(Object.entries(payload).map(([k, value]) => [k, { value, flash: false }])),
    _expire: new Date(Date.now() + 900_000).toISOString(),
    _delete: false,
    _accessed: new Date().toISOString(),
  };
}
