import { defineConfig } from 'vite';

// The Makefile runs Vite from the repository root; resolving from this file keeps the
// build independent of the working directory.
const webRoot = decodeURIComponent(new URL('.', import.meta.url).pathname);

export default defineConfig({
  root: webRoot,
  // app.css is served unhashed at /app.css: the Worker's server-rendered share page links it too.
  publicDir: 'public',
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    // The CSP allows no inline scripts or data: modules.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
  esbuild: {
    jsx: 'automatic',
    jsxImportSource: 'preact',
  },
});
