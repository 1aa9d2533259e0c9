import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { resolve } from "node:path";

// `vite build` makes the UI Tauri embeds (ui/dist). `vite build --mode harness` makes the same
// UI wrapped in Tauri's IPC mocks (ui/dist-harness), for the browser tests in ui/tests; the
// harness never ships in the app.
export default defineConfig(({ mode }) => {
  const harness = mode === "harness";
  return {
    plugins: [svelte()],
    clearScreen: false,
    base: "./",
    build: {
      outDir: harness ? "dist-harness" : "dist",
      emptyOutDir: true,
      target: "es2022",
      rollupOptions: {
        input: harness ? resolve(import.meta.dirname, "tests/harness/index.html") : resolve(import.meta.dirname, "index.html"),
      },
    },
  };
});
