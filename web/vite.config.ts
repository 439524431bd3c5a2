import { defineConfig } from 'vite';

/** Where `vite dev` forwards API calls; only the dev server reads it. */
const apiTarget = process.env.TWINFLOW_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Sparse output: the server serves dist/ as is, and size is a budget (≤ 100 KB gzip of JS).
    reportCompressedSize: true,
  },
  server: {
    proxy: Object.fromEntries(['/api', '/readyz', '/healthz', '/metrics'].map((p) => [p, { target: apiTarget, changeOrigin: false }])),
  },
});
