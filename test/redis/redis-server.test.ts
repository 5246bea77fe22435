// The test helper that starts a real redis-server (test/support/redis-server.ts): what the Redis tests
// and other agents' tests rely on — a free loopback port, stop by pid, the same port after start().
import assert from "node:assert/strict";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../support/redis-server.ts";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis.stop());

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

it("starts on loopback, without persistence, and answers", async () => {
  expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
  assert.equal(await redis.command("PING"), "PONG");
  assert.deepEqual(await redis.command("CONFIG", "GET", "save"), ["save", ""]);
  assert.deepEqual(await redis.command("CONFIG", "GET", "appendonly"), ["appendonly", "no"]);
  assert.deepEqual(await redis.command("CONFIG", "GET", "bind"), ["bind", "127.0.0.1"]);
  await assert.rejects(redis.command("NO-SUCH-COMMAND"), /unknown command/);
});

it("stop() ends the process by its pid; start() brings it back on the same port, empty", async () => {
  const { port, pid } = redis;
  assert.ok(pid !== undefined && alive(pid));
  await redis.command("SET", "kept", "no");
  await redis.stop();
  assert.equal(redis.running, false);
  assert.equal(redis.pid, undefined);
  assert.equal(alive(pid), false, "the old pid is gone");
  await assert.rejects(redis.command("PING"), { code: "ECONNREFUSED" });
  await redis.start();
  assert.equal(redis.port, port);
  assert.notEqual(redis.pid, pid);
  assert.equal(await redis.command("GET", "kept"), null, "no persistence");
});

it("extra arguments reach the server", async () => {
  await using other = await startRedisServer({ args: ["--maxmemory-policy", "allkeys-lru"] });
  assert.notEqual(other.port, redis.port);
  assert.deepEqual(await other.command("CONFIG", "GET", "maxmemory-policy"), [
    "maxmemory-policy",
    "allkeys-lru",
  ]);
});
