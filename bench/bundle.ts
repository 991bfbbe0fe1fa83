// What the browser downloads: gzip sizes of the built client's scripts (dist/client).
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { REPO_ROOT } from '../test/support/server';

const DIST = path.join(REPO_ROOT, 'dist/client');
/** The chunk of what a logged-in tab runs (src/app/logged-in.ts): fleet-app.ts imports it on the fleet's routes. */
const LOGGED_IN_CHUNK = 'logged-in';
/** A static import between chunks, as the build writes it (`from"./x-abc.js"`, `import"./x-abc.js"`); not `import(…)`. */
const STATIC_IMPORT = /(?:\bfrom|\bimport)\s*["'`]\.\/([^"'`]+\.js)["'`]/g;

/** Gzip size of the scripts index.html loads before anything else (module entry and its preloads): all that /login loads. */
export async function loginJsKb(): Promise<{ files: string[]; bytes: number; kb: number }> {
  const html = await readFile(path.join(DIST, 'index.html'), 'utf8');
  const files = [...html.matchAll(/<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="([^"]+\.js)"/g)].map((m) => m[1]!);
  const paths = files.map((f) => path.join(DIST, f));
  return { files, bytes: await rawBytes(paths), kb: await gzipKb(paths) };
}

/**
 * Gzip size of the scripts the dashboard runs at start: the login page's, then the logged-in chunk
 * and every chunk it imports statically (the map's MapLibre, truck and admin pages load on demand).
 */
export async function initialJsKb(): Promise<{ files: string[]; kb: number }> {
  const login = await loginJsKb();
  const assets = path.join(DIST, 'assets');
  const loggedIn = (await readdir(assets)).find((f) => f.endsWith('.js') && f.startsWith(`${LOGGED_IN_CHUNK}-`));
  const files = [...login.files];
  const queue = loggedIn ? [`/assets/${loggedIn}`] : [];
  for (let file = queue.shift(); file; file = queue.shift()) {
    if (files.includes(file)) continue;
    files.push(file);
    const code = await readFile(path.join(DIST, file), 'utf8');
    for (const m of code.matchAll(STATIC_IMPORT)) queue.push(path.posix.join(path.posix.dirname(file), m[1]!));
  }
  return { files, kb: await gzipKb(files.map((f) => path.join(DIST, f))) };
}

/** Gzip size of the built scripts whose file name starts with one of `names` (lazy chunks, e.g. the map's). */
export async function chunksKb(names: readonly string[]): Promise<{ files: string[]; kb: number }> {
  const assets = path.join(DIST, 'assets');
  const files = (await readdir(assets)).filter((f) => f.endsWith('.js') && names.some((n) => f.startsWith(`${n}-`)));
  return { files, kb: await gzipKb(files.map((f) => path.join(assets, f))) };
}

async function rawBytes(paths: readonly string[]): Promise<number> {
  let bytes = 0;
  for (const p of paths) bytes += (await readFile(p)).length;
  return bytes;
}

async function gzipKb(paths: readonly string[]): Promise<number> {
  let bytes = 0;
  for (const p of paths) bytes += gzipSync(await readFile(p)).length;
  return Math.round((bytes / 1024) * 10) / 10;
}
