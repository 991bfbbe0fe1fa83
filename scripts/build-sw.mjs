// Builds fleetwire's service worker into a built client (after `vite build`): bundles sw/sw.ts
// with esbuild, then workbox-build's injectManifest writes <out>/sw.js with the precache manifest
// of everything the pages and the hub need offline. Last, every text file of the client (sw.js
// included) gets a brotli and a gzip copy beside it, which the server sends as they are to a
// browser that accepts them (@fastify/static's preCompressed).
//
//   node scripts/build-sw.mjs [--out-dir dist/client]
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { injectManifest } from 'workbox-build';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * What is precached: the shell, every hashed script and style (the SharedWorker hub and the lazily
 * loaded chunks included), icons and the web app manifest. Not the service worker itself, nor
 * source maps: the Vite build writes those outside the static root (vite.config.ts); the ignore
 * keeps one that lands here by mistake out of every browser's cache.
 */
const GLOB_PATTERNS = ['**/*.{html,js,css,webmanifest,png,svg,ico}'];
const GLOB_IGNORES = ['sw.js', '**/*.map'];
/** Vite's content-hashed files carry their revision in their name. */
const HASHED = /^assets\//;

/** Files worth compressing (text), and the smallest worth it: below ~1 KB the headers outweigh the saving. */
const COMPRESSIBLE = /\.(html|js|css|webmanifest|svg|json|txt)$/;
const MIN_COMPRESS_BYTES = 1024;

/** Writes `<file>.br` and `<file>.gz` beside every compressible file under `dir`; resolves with the bytes before and after (brotli). */
async function precompress(dir) {
  let raw = 0;
  let br = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !COMPRESSIBLE.test(entry.name)) continue;
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    const bytes = await readFile(file);
    if (bytes.length < MIN_COMPRESS_BYTES) continue;
    const brotli = brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
    await writeFile(`${file}.br`, brotli);
    await writeFile(`${file}.gz`, gzipSync(bytes, { level: 9 }));
    raw += bytes.length;
    br += brotli.length;
  }
  return { raw, br };
}

const { values } = parseArgs({ options: { 'out-dir': { type: 'string', default: 'dist/client' } } });
const outDir = path.resolve(ROOT, values['out-dir']);
if (!existsSync(path.join(outDir, 'index.html'))) {
  console.error(`build-sw: ${outDir} has no index.html; run \`vite build\` first (npm run build does both).`);
  process.exit(1);
}

const work = await mkdtemp(path.join(tmpdir(), 'fleetwire-sw-'));
try {
  const bundled = path.join(work, 'sw.js');
  await build({
    entryPoints: [path.join(ROOT, 'sw/sw.ts')],
    outfile: bundled,
    bundle: true,
    format: 'iife',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    // Workbox's modules log and assert only outside production.
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  const { count, size, warnings } = await injectManifest({
    swSrc: bundled,
    swDest: path.join(outDir, 'sw.js'),
    globDirectory: outDir,
    globPatterns: GLOB_PATTERNS,
    globIgnores: GLOB_IGNORES,
    dontCacheBustURLsMatching: HASHED,
  });
  for (const warning of warnings) console.warn(`build-sw: ${warning}`);
  console.log(`build-sw: ${path.relative(ROOT, path.join(outDir, 'sw.js'))} precaches ${count} files, ${(size / 1024).toFixed(1)} KiB`);
  const { raw, br } = await precompress(outDir);
  console.log(`build-sw: precompressed ${(raw / 1024).toFixed(1)} KiB of text to ${(br / 1024).toFixed(1)} KiB (brotli; gzip beside it)`);
} finally {
  await rm(work, { recursive: true, force: true });
}
