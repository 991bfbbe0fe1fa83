// What the browser downloads: gzip sizes of the built client's scripts (dist/client).
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { REPO_ROOT } from '../test/support/server';

const DIST = path.join(REPO_ROOT, 'dist/client');

/** Gzip size of the scripts index.html loads before anything else (module entry and its preloads). */
export async function initialJsKb(): Promise<{ files: string[]; kb: number }> {
  const html = await readFile(path.join(DIST, 'index.html'), 'utf8');
  const files = [...html.matchAll(/<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="([^"]+\.js)"/g)].map((m) => m[1]!);
  return { files, kb: await gzipKb(files.map((f) => path.join(DIST, f))) };
}

/** Gzip size of the built scripts whose file name starts with one of `names` (lazy chunks, e.g. the map's). */
export async function chunksKb(names: readonly string[]): Promise<{ files: string[]; kb: number }> {
  const assets = path.join(DIST, 'assets');
  const files = (await readdir(assets)).filter((f) => f.endsWith('.js') && names.some((n) => f.startsWith(`${n}-`)));
  return { files, kb: await gzipKb(files.map((f) => path.join(assets, f))) };
}

async function gzipKb(paths: readonly string[]): Promise<number> {
  let bytes = 0;
  for (const p of paths) bytes += gzipSync(await readFile(p)).length;
  return Math.round((bytes / 1024) * 10) / 10;
}
