#!/usr/bin/env node
// `npx sealed-session secret` prints a new random secret (32 bytes, base64url).
import { generateSecret } from "../dist/index.js";

const [command] = process.argv.slice(2);
if (command === "secret") {
  console.log(generateSecret());
} else {
  console.error("usage: sealed-session secret    print a new random session secret");
  process.exit(command === undefined || command === "--help" ? 0 : 1);
}
