/**
 * Commit step 3: seal the envelope in the written format with the newest secret, and (without any
 * crypto) the length that sealing would produce, for `estimateSize`.
 */
import { sealIron } from "../../codec/iron.ts";
import { sealJwe } from "../../codec/jwe.ts";
import { COOKIE_BYTES } from "../../cookie/options.ts";
import { chunkCount } from "../../cookie/write.ts";
import { IRON_SALT_BYTES } from "../../keyring.ts";
import { utf8 } from "../../lib/bytes.ts";
import type { ManagerState } from "../config.ts";

export async function sealEnvelope(state: ManagerState, body: string): Promise<string> {
  const { keyring } = state;
  if (!keyring.isReady) await keyring.ready();
  // The envelope carries the expiry; iron's own field would repeat it in 13 more bytes.
  return state.write === "iron"
    ? sealIron(keyring, body, { suffix: state.ironSuffix, binding: state.ironInfo })
    : sealJwe(keyring, state.jweInfo, body);
}

const b64len = (bytes: number) => Math.ceil((bytes * 4) / 3);

/** Characters of the token `sealEnvelope` makes from `plaintextBytes` bytes of envelope. */
export function sealedLength(state: ManagerState, plaintextBytes: number): number {
  const kid = state.keyring.newest.id ?? "xxxxxx";
  if (state.write === "jwe") {
    const header = JSON.stringify({ alg: "dir", enc: "A256GCM", kid });
    return b64len(header.length) + 2 + 16 + 1 + b64len(plaintextBytes) + 1 + 22;
  }
  const cipher = (Math.floor(plaintextBytes / 16) + 1) * 16;
  const salt = 2 * IRON_SALT_BYTES;
  // Fe26.2*kid*salt*iv*cipher**salt*mac (empty expiry field)
  return (
    7 + kid.length + 1 + salt + 1 + 22 + 1 + b64len(cipher) + 2 + salt + 1 + 43 + state.ironSuffix.length
  );
}

/** Bytes of cookie (names and values, chunks included) that sealing `body` would write. No crypto. */
export function cookieBytes(state: ManagerState, body: string): number {
  const { cookie } = state;
  const tokenLength = sealedLength(state, utf8.encode(body).length);
  if (tokenLength + cookie.name.length <= COOKIE_BYTES) return tokenLength + cookie.name.length;
  const perChunk = COOKIE_BYTES - (cookie.name.length + 2);
  const count = chunkCount(tokenLength, perChunk);
  return tokenLength + 2 + count * (cookie.name.length + 2);
}
