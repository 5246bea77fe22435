#!/usr/bin/env node
// `npx sealed-session secret` prints a new random secret: 32 bytes from Web Crypto, base64url
// (43 characters), the format of `generateSecret()`. Self-contained on purpose: it must work in a
// fresh clone, where nothing has built dist/ yet (Node 20+ has `crypto` and `btoa` as globals).

const [command] = process.argv.slice(2);
if (command === "secret") {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const base64 = btoa(String.fromCharCode(...bytes));
  console.log(base64.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, ""));
} else {
  console.error("usage: sealed-session secret    print a new random session secret");
  process.exit(command === undefined || command === "--help" ? 0 : 1);
}
