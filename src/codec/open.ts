import { UnsealError } from "../errors.ts";
import type { Keyring } from "../keyring.ts";
import { openIron } from "./iron.ts";
import { openJwe } from "./jwe.ts";
import { detectFormat, type Format, type Opened } from "./types.ts";

/**
 * Opens a token in any accepted format. Throws `UnsealError` with a reason code; never anything else
 * for bad input.
 */
export async function openToken(
  keyring: Keyring,
  token: string,
  accept: readonly Format[],
  jweInfo: string,
  now: number,
  toleranceMs: number,
): Promise<Opened> {
  const format = detectFormat(token);
  if (format === undefined || !accept.includes(format)) throw new UnsealError("malformed");
  let opened: Opened;
  try {
    opened = format === "iron" ? await openIron(keyring, token) : await openJwe(keyring, jweInfo, token);
  } catch (error) {
    if (error instanceof UnsealError) throw error;
    // Anything else thrown while parsing attacker-controlled input is malformed input.
    throw new UnsealError("malformed", undefined, { cause: error });
  }
  if (opened.expiresAt !== undefined && now > opened.expiresAt + toleranceMs)
    throw new UnsealError("expired");
  return opened;
}
