/**
 * A short, human label for a session from its `User-Agent`: "Chrome on Linux", "Safari on iPhone",
 * "curl". Only for display in a device list: never trusted, at most 64 characters, plain text (the
 * page must still render it as text).
 */
const BROWSERS: readonly [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\//, "Edge"],
  [/\bOPR\/|\bOpera\b/, "Opera"],
  [/\bSamsungBrowser\//, "Samsung Internet"],
  [/\bFirefox\/|\bFxiOS\//, "Firefox"],
  [/\bChrom(?:e|ium)\/|\bHeadlessChrome\/|\bCriOS\//, "Chrome"],
  [/\bVersion\/[\d.]+.*\bSafari\//, "Safari"],
  [/^curl\//, "curl"],
  [/^Wget\//, "Wget"],
  [/^node-fetch|^undici|^node\b/i, "Node.js"],
];
const SYSTEMS: readonly [RegExp, string][] = [
  [/\biPhone\b/, "iPhone"],
  [/\biPad\b/, "iPad"],
  [/\bAndroid\b/, "Android"],
  [/\bCrOS\b/, "ChromeOS"],
  [/\bMac OS X\b|\bMacintosh\b/, "macOS"],
  [/\bWindows\b/, "Windows"],
  [/\bLinux\b/, "Linux"],
];

export const MAX_LABEL = 64;

/** Trims a label to what the registry stores: printable text, at most 64 characters. */
export function cleanLabel(label: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const text = label.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ").trim();
  return text.length > MAX_LABEL ? text.slice(0, MAX_LABEL) : text;
}

export function labelFromUserAgent(userAgent: string | null | undefined): string {
  if (!userAgent) return "Unknown device";
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  return cleanLabel(browser ?? system ?? userAgent.split(/[\s/]/)[0] ?? "Unknown device") || "Unknown device";
}
