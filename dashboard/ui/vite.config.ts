import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const root = fileURLToPath(new URL('.', import.meta.url));

// The dashboard SPA: built into dashboard/dist/ui, served by the Fastify server as static files.
// base './' keeps every asset path relative, so the app works under any mount point.
export default defineConfig({
  root,
  base: './',
  plugins: [svelte({ configFile: false })],
  build: {
    outDir: '../dist/ui',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `vite dev` against a running `aima serve` (default port 8080).
    proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true } },
  },
});
