/**
 * Token mutations for property tests, and the judge of whether a mutated token still "decodes
 * to the same bytes" as the original (the only kind a sealer may accept).
 */
import fc from "fast-check";

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/** What mutations insert: base64url, both formats' separators, padding, the standard alphabet, cookie syntax. */
const NOISE = `${BASE64URL}.*~=+/%; ,"\\0123456789`;

const charFrom = (chars: string) => fc.integer({ min: 0, max: chars.length - 1 }).map((i) => chars[i]!);
const textFrom = (chars: string, maxLength: number) =>
  fc.array(charFrom(chars), { minLength: 1, maxLength }).map((list) => list.join(""));

/** Keeps a flipped character printable ASCII, so the result still fits in a Cookie header. */
const printable = (code: number) => (code >= 0x21 && code <= 0x7e ? String.fromCharCode(code) : "A");

export type Format = "jwe" | "iron";
export const separatorOf = (format: Format) => (format === "jwe" ? "." : "*");

const VALUES = new Map<string, number>([...BASE64URL].map((char, i) => [char, i]));
VALUES.set("+", 62);
VALUES.set("/", 63);

/**
 * Decodes base64 or base64url as loosely as any decoder might: either alphabet, optional padding,
 * trailing bits ignored. `undefined` when the text is not base64 at all.
 */
export function looseBase64(text: string): Uint8Array | undefined {
  const body = text.replace(/=+$/, "");
  if (body.length % 4 === 1) return undefined;
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of body) {
    const value = VALUES.get(char);
    if (value === undefined) return undefined;
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >> bits) & 0xff);
    }
  }
  return Uint8Array.from(out);
}

function sameBase64(a: string, b: string): boolean {
  if (a === b) return true;
  const x = looseBase64(a);
  const y = looseBase64(b);
  return x !== undefined && y !== undefined && x.length === y.length && x.every((byte, i) => byte === y[i]);
}

/** Fields that are base64 bytes; the others (JWE header = AAD, iron ids, salts, expiry) count as text. */
const BYTE_FIELDS: Record<Format, ReadonlySet<number>> = {
  jwe: new Set([2, 3, 4]),
  iron: new Set([3, 4, 7]),
};

/**
 * True when `mutated` carries the same bytes as `original`: every text field identical, every byte
 * field decoding to the same bytes. iron-session's `~<n>` suffix sits outside the MAC and is ignored.
 */
export function sameBytes(format: Format, mutated: string, original: string): boolean {
  const strip = (token: string) => (format === "iron" ? token.replace(/~\d{1,3}$/, "") : token);
  const a = strip(mutated).split(separatorOf(format));
  const b = strip(original).split(separatorOf(format));
  if (a.length !== b.length) return false;
  return a.every((field, i) => (BYTE_FIELDS[format].has(i) ? sameBase64(field, b[i]!) : field === b[i]));
}

function reencode(field: string, how: string): string {
  switch (how) {
    case "pad":
      return field + "=".repeat((4 - (field.length % 4)) % 4 || 2);
    case "standard":
      return field.replaceAll("-", "+").replaceAll("_", "/");
    case "trailing": {
      // Same leading bits, different trailing bits: a non-canonical spelling of the same bytes.
      const last = VALUES.get(field.at(-1) ?? "");
      if (last === undefined) return `${field}A`;
      return field.slice(0, -1) + BASE64URL[last ^ 1]!;
    }
    case "upper":
      return field.toUpperCase();
    case "lower":
      return field.toLowerCase();
    default: {
      const at = field.search(/[a-zA-Z]/);
      if (at === -1) return `${field}a`;
      const char = field[at]!;
      const swapped = char === char.toUpperCase() ? char.toLowerCase() : char.toUpperCase();
      return field.slice(0, at) + swapped + field.slice(at + 1);
    }
  }
}

/** One mutation of `token`: flips, replacements, truncations, extensions, segment moves, re-encodings. */
export function mutationOf(token: string, separator: string): fc.Arbitrary<string> {
  const n = token.length;
  const extend = textFrom(NOISE, 40).map((text) => token + text);
  if (n === 0) return extend;
  const index = fc.nat({ max: n - 1 });
  const fields = token.split(separator);
  const field = fc.nat({ max: fields.length - 1 });
  const withField = (i: number, value: string) => fields.map((f, j) => (j === i ? value : f)).join(separator);
  return fc.oneof(
    fc
      .tuple(index, fc.integer({ min: 0, max: 6 }))
      .map(
        ([i, bit]) => token.slice(0, i) + printable(token.charCodeAt(i) ^ (1 << bit)) + token.slice(i + 1),
      ),
    fc.tuple(index, charFrom(NOISE)).map(([i, char]) => token.slice(0, i) + char + token.slice(i + 1)),
    index.map((k) => token.slice(0, k)),
    fc.integer({ min: 1, max: n }).map((k) => token.slice(k)),
    extend,
    fc.tuple(index, textFrom(NOISE, 8)).map(([i, text]) => token.slice(0, i) + text + token.slice(i)),
    fc.tuple(index, fc.integer({ min: 1, max: 24 })).map(([i, k]) => token.slice(0, i) + token.slice(i + k)),
    fc.tuple(field, field).map(([i, j]) => {
      const swapped = [...fields];
      [swapped[i], swapped[j]] = [fields[j]!, fields[i]!];
      return swapped.join(separator);
    }),
    fc.tuple(field, fc.boolean()).map(([i, drop]) => {
      const copy = [...fields];
      if (drop) copy.splice(i, 1);
      else copy.splice(i, 0, fields[i]!);
      return copy.join(separator);
    }),
    fc
      .tuple(field, fc.constantFrom("pad", "standard", "trailing", "upper", "lower", "swapcase"))
      .map(([i, how]) => withField(i, reencode(fields[i]!, how))),
  );
}

/** One to three mutations in a row. */
export function mutated(token: string, separator: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: mutationOf(token, separator) },
    { weight: 1, arbitrary: mutationOf(token, separator).chain((once) => mutationOf(once, separator)) },
    {
      weight: 1,
      arbitrary: mutationOf(token, separator)
        .chain((once) => mutationOf(once, separator))
        .chain((twice) => mutationOf(twice, separator)),
    },
  );
}

/** The value a server sees for `name` in a Cookie header: the first pair, trimmed of spaces and tabs. */
export function cookieValue(header: string, name: string): string | undefined {
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq === -1) continue;
    if (pair.slice(0, eq).replace(/^[ \t]+|[ \t]+$/g, "") === name)
      return pair.slice(eq + 1).replace(/^[ \t]+|[ \t]+$/g, "");
  }
  return undefined;
}
