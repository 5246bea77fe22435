// A second SvelteKit app for sveltekit.test.ts: the session hook mounted twice in one sequence.
import adapter from "@sveltejs/adapter-node";
import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vite";

export default defineConfig({ plugins: [sveltekit({ adapter: adapter({ precompress: false }) })] });
