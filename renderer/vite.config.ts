import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'vite'

// One build for both faces: the daemon serves it over HTTP and Electron loads it from a file, hence relative URLs.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [svelte({ configFile: false })],
  build: {
    // The caller (the daemon's bridge, packaging) passes its own outDir; this is only the default.
    outDir: 'dist',
    emptyOutDir: true,
    // A strict CSP (no inline scripts, no data: fonts): keep every asset a file and skip Vite's inline preload helper.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
    chunkSizeWarningLimit: 1200
  }
})
