// Device labels for the registry's listings (src/registry/label.ts).
import { labelFromUserAgent } from "sealed-session/registry";
import { expect, it } from "vitest";

it("names the browser and the system from common User-Agents, plainly", () => {
  const cases: [string | null, string][] = [
    [
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36",
      "Chrome on Linux",
    ],
    [
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
      "Chrome on Linux",
    ],
    [
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36 Edg/140.0",
      "Edge on Windows",
    ],
    [
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5; rv:140.0) Gecko/20100101 Firefox/140.0",
      "Firefox on macOS",
    ],
    [
      "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
      "Safari on iPhone",
    ],
    [
      "Mozilla/5.0 (Linux; Android 15) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140 Mobile Safari/537.36",
      "Chrome on Android",
    ],
    ["curl/8.5.0", "curl"],
    [null, "Unknown device"],
    ["", "Unknown device"],
  ];
  for (const [userAgent, label] of cases)
    expect(labelFromUserAgent(userAgent), String(userAgent)).toBe(label);
  const odd = labelFromUserAgent(`Weird\u0000Agent/${"x".repeat(200)}`);
  expect(odd.length).toBeLessThanOrEqual(64);
  expect(odd.includes("\u0000")).toBe(false);
});
