import type { KeyEntry } from "../keyring.ts";

export type Format = "jwe" | "iron";
export const FORMATS: readonly Format[] = ["jwe", "iron"];

/** What a codec returns once a token's integrity is proven. */
export interface Opened {
  readonly format: Format;
  readonly plaintext: string;
  /** The listed secret that opened it. */
  readonly entry: KeyEntry;
  /** The token's outer expiry in ms (iron's field, or the JWE header's `exp`), when it has one. */
  readonly expiresAt: number | undefined;
  /** The token named a key id other than the entry's own (legacy "", "1", …): re-seal it. */
  readonly foreignKeyId: boolean;
  /** An iron token opened with the raw secret: bound to no cookie name or purpose. */
  readonly unbound?: boolean;
}

/** Guesses the format from the token's shape, without any crypto. */
export function detectFormat(token: string): Format | undefined {
  if (token.startsWith("Fe26.2*")) return "iron";
  if (token.startsWith("eyJ")) return "jwe";
  return undefined;
}
