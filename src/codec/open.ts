import { UnsealError } from "../errors.ts";
import type { IronBinding, Keyring } from "../keyring.ts";
import { openIron } from "./iron.ts";
import { openJwe } from "./jwe.ts";
import { detectFormat, type Format, type Opened } from "./types.ts";

export interface OpenOptions {
  /** Formats accepted. */
  readonly accept: readonly Format[];
  /** HKDF info of the `jwe` key. */
  readonly jweInfo: string;
  /** Iron passwords to try, in order (see `IronBinding`). */
  readonly ironBindings: readonly IronBinding[];
  readonly now: number;
  readonly toleranceMs: number;
}

/**
 * Opens a token in any accepted format. Throws `UnsealError` with a reason code; never anything else
 * for bad input.
 */
export async function openToken(keyring: Keyring, token: string, options: OpenOptions): Promise<Opened> {
  const format = detectFormat(token);
  if (format === undefined || !options.accept.includes(format)) throw new UnsealError("malformed");
  let opened: Opened;
  try {
    opened =
      format === "iron"
        ? await openIron(keyring, token, options.ironBindings)
        : await openJwe(keyring, options.jweInfo, token);
  } catch (error) {
    if (error instanceof UnsealError) throw error;
    // Anything else thrown while parsing attacker-controlled input is malformed input.
    throw new UnsealError("malformed", undefined, { cause: error });
  }
  if (opened.expiresAt !== undefined && options.now > opened.expiresAt + options.toleranceMs)
    throw new UnsealError("expired");
  return opened;
}
