// What `npm run build` ships (dist/client, the static root the server serves): no source map, no
// script pointing at one, nothing of the kind precached by the service worker. The maps exist, for
// error reports, in dist/sourcemaps, which no request reaches. Needs `npm run build` first, as every
// browser test does.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startServer, type RunningServer } from '../support/server';

const CLIENT = path.join(REPO_ROOT, 'dist/client');
const SOURCEMAPS = path.join(REPO_ROOT, 'dist/sourcemaps');

/** Every file under a directory, relative to it, with `/` separators. */
async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}

let server: RunningServer;
let shipped: string[];

beforeAll(async () => {
  if (!existsSync(path.join(CLIENT, 'index.html'))) throw new Error('dist/client is not built: run `npm run build` first');
  shipped = await files(CLIENT);
  // The default static root: dist/client.
  server = await startServer();
});

afterAll(async () => {
  await server?.stop();
});

describe('source maps of the client build', () => {
  it('are not in the static root, and no shipped file points at one', async () => {
    expect(shipped.filter((f) => f.endsWith('.map'))).toEqual([]);
    const texts = shipped.filter((f) => /\.(js|mjs|css|html)$/.test(f));
    expect(texts.length).toBeGreaterThan(3);
    for (const f of texts) {
      const text = await readFile(path.join(CLIENT, f), 'utf8');
      expect(/[#@] ?sourceMappingURL/.test(text), `${f} names a source map`).toBe(false);
    }
    // The service worker's precache manifest names only what is shipped.
    const sw = await readFile(path.join(CLIENT, 'sw.js'), 'utf8');
    expect(/\.map["']/.test(sw), 'sw.js precaches a source map').toBe(false);
  });

  it('are kept outside it, one for every script, for error reports', async () => {
    const maps = await files(SOURCEMAPS);
    const scripts = shipped.filter((f) => f.startsWith('assets/') && f.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(3);
    for (const script of scripts) {
      expect(maps, script).toContain(`${script}.map`);
      const map = JSON.parse(await readFile(path.join(SOURCEMAPS, `${script}.map`), 'utf8')) as { version: number; file?: string };
      expect(map.version).toBe(3);
    }
  });

  it('answer 404 from a running server, where the scripts answer 200 without a SourceMap header', async () => {
    const [script] = shipped.filter((f) => /^assets\/index-.*\.js$/.test(f));
    expect(script).toBeDefined();
    const ok = await fetch(`${server.url}/${script}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('sourcemap')).toBeNull();
    expect(ok.headers.get('x-sourcemap')).toBeNull();
    expect((await ok.text()).includes('sourceMappingURL'), `${script} names a source map`).toBe(false);

    for (const url of [`/${script}.map`, `/sourcemaps/${script}.map`, `/../sourcemaps/${script}.map`, `/%2e%2e/sourcemaps/${script}.map`, '/assets/x.js.map']) {
      const res = await fetch(server.url + url);
      expect(res.status, url).toBe(404);
      expect((await res.text()).includes('"mappings"'), `${url} answers a source map`).toBe(false);
    }
  });
});
