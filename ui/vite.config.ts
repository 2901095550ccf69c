import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

export default defineConfig({
  plugins: [svelte()],
  // Tauri serves the page itself; a fixed port lets tauri.conf.json point devUrl at it.
  server: { port: 5173, strictPort: true },
  clearScreen: false,
  build: {
    outDir: "dist",
    // The Linux webview is WebKitGTK, so target Safari-era syntax rather than the latest Chrome.
    target: "safari15",
  },
});
