/**
 * A third Elysia app for elysia.test.ts, under Bun: a session registry that cannot record logins, so
 * every response kind that carries a login must become `503 {"error": "login_unavailable"}` with no
 * session cookie — as the Hono, Workers, Express and SvelteKit adapters answer.
 */
import process from "node:process";
import { Elysia } from "elysia";
import { sessions } from "sealed-session/elysia";
import { memoryRegistry } from "sealed-session/registry";

const registry = memoryRegistry();
const failing = { ...registry, register: () => Promise.reject(new Error("registry down")) };

const app = new Elysia()
  .use(sessions({ secrets: process.env.SESSION_SECRETS ?? "", registry: failing }))
  .get("/value", ({ session }) => {
    session.login("ada");
    return { user: "ada" };
  })
  .get("/raw", ({ session }) => {
    session.login("ada");
    return new Response("welcome", { headers: { "x-handler": "yes" } });
  })
  .get("/thrown", ({ session }) => {
    session.login("ada");
    throw new Error("the handler failed after logging in");
  })
  .listen({ hostname: "127.0.0.1", port: Number(process.env.PORT ?? 0) });

console.log(`Listening on ${app.server?.url}`);
