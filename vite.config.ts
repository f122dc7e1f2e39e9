import react from '@vitejs/plugin-react';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const OUT_DIR = path.resolve(import.meta.dirname, 'dist/web');

/**
 * Writes `file.br` and `file.gz` beside every built text asset (issue 16, "Compress responses"),
 * which @fastify/static serves by the request's Accept-Encoding (`preCompressed`), so the server
 * never compresses at request time. Files under 1 KB gain nothing and are left alone.
 */
function precompress(): Plugin {
  let outDir = OUT_DIR;
  return {
    name: 'bulwark-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const walk = (dir: string): string[] =>
        readdirSync(dir).flatMap((n) => {
          const p = path.join(dir, n);
          return statSync(p).isDirectory() ? walk(p) : [p];
        });
      for (const file of walk(outDir)) {
        if (!/\.(js|mjs|css|html|svg|json|wasm)$/.test(file)) continue;
        const body = readFileSync(file);
        if (body.length < 1024) continue;
        writeFileSync(file + '.gz', gzipSync(body, { level: 9 }));
        writeFileSync(file + '.br', brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }));
      }
    },
  };
}

// The web app lives in src/web and is built into dist/web, which the server serves at /.
// Routes are split with React.lazy; MapLibre and ECharts are only imported by lazily loaded
// components and get named chunks of their own, so the first screen never downloads them.
// The manifest (dist/web/.vite/manifest.json) is what the weight budgets walk (test/web-budget.test.ts).
export default defineConfig({
  root: 'src/web',
  plugins: [react(), precompress()],
  build: {
    outDir: OUT_DIR,
    emptyOutDir: true,
    manifest: true,
    chunkSizeWarningLimit: 4000,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'maplibre', test: /node_modules[\\/]maplibre-gl[\\/]/ },
            // ECharts is imported part by part (echarts/core plus one chart type each), so it is left to
            // the automatic splitting: the home page's bar chart does not download the case graph's parts.
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler|react-router|react-router-dom)[\\/]/ },
          ],
        },
      },
    },
  },
  server: { proxy: { '/api': 'http://localhost:8080' } },
});
