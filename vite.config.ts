// Builds the browser side: the app shell (index.html) and the hub's SharedWorker, hashed by content.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const SERVER = process.env.FLEETWIRE_DEV_SERVER ?? 'http://127.0.0.1:8080';
const ROOT = path.dirname(fileURLToPath(import.meta.url));
/** Where the source maps of `npm run build` go: beside the static root (dist/client), never in it. */
const DEFAULT_SOURCEMAP_DIR = path.join(ROOT, 'dist/sourcemaps');

/**
 * Source maps for error reporting, kept out of what the server serves: the build writes them
 * "hidden" (no `//# sourceMappingURL` comment in any script) and this plugin takes them out of the
 * bundle before it is written, into FLEETWIRE_SOURCEMAP_DIR (default dist/sourcemaps, emptied on
 * each build like dist/client; an empty value keeps none). The service worker therefore cannot
 * precache them either.
 */
function sourcemapsOutsideStaticRoot(): Plugin {
  const configured = process.env.FLEETWIRE_SOURCEMAP_DIR;
  const dir = configured === undefined ? DEFAULT_SOURCEMAP_DIR : configured ? path.resolve(configured) : null;
  let emptied = false;
  return {
    name: 'fleetwire:sourcemaps-outside-static-root',
    apply: 'build',
    enforce: 'post',
    async generateBundle(_options, bundle) {
      const maps = Object.entries(bundle).filter(([fileName]) => fileName.endsWith('.map'));
      for (const [fileName] of maps) delete bundle[fileName];
      if (!dir) return;
      if (!emptied && dir === DEFAULT_SOURCEMAP_DIR) await rm(dir, { recursive: true, force: true });
      emptied = true;
      for (const [fileName, file] of maps) {
        const target = path.join(dir, fileName);
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, file.type === 'asset' ? file.source : file.code);
      }
    },
  };
}

export default defineConfig({
  build: {
    outDir: 'dist/client',
    emptyOutDir: true,
    target: 'es2022',
    // Maps without a comment pointing at them: they are not served (sourcemapsOutsideStaticRoot).
    sourcemap: 'hidden',
  },
  plugins: [sourcemapsOutsideStaticRoot()],
  worker: { format: 'es' },
  define: {
    // Carried in the hub's name and leader channel so that two builds never share a hub.
    __FLEETWIRE_VERSION__: JSON.stringify(process.env.FLEETWIRE_VERSION ?? new Date().toISOString()),
  },
  server: {
    host: '127.0.0.1',
    proxy: { '/api': { target: SERVER, changeOrigin: false }, '/metrics': SERVER, '/healthz': SERVER },
  },
});
