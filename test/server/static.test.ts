// The static root is served as it is, except source maps: a `.map` left there (an older build, a copy
// by hand) is not handed out, whatever its case or however its path is spelled.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { makeApp } from './helpers';

let root: string;
let app: FastifyInstance;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'fleetwire-static-'));
  await mkdir(path.join(root, 'assets'));
  await writeFile(path.join(root, 'index.html'), '<!doctype html><title>fleetwire</title>');
  await writeFile(path.join(root, 'assets/index-abc.js'), 'console.log("fleetwire");\n');
  await writeFile(path.join(root, 'assets/index-abc.js.map'), '{"version":3,"sources":["src/app/main.ts"],"sourcesContent":["secret"]}');
  await writeFile(path.join(root, 'assets/index-abc.css.map'), '{"version":3}');
  app = await makeApp({ staticDir: root });
});

afterAll(async () => {
  await app?.close();
  await rm(root, { recursive: true, force: true });
});

describe('static files', () => {
  it('serves the scripts but never a source map beside them', async () => {
    const script = await app.inject({ url: '/assets/index-abc.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['cache-control']).toContain('immutable');

    for (const url of ['/assets/index-abc.js.map', '/assets/index-abc.css.map', '/assets/INDEX-ABC.JS.MAP', '/assets/index-abc.js.%6Dap', '/assets/../assets/index-abc.js.map', '/x/../assets/index-abc.js.map']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).not.toContain('sourcesContent');
    }
  });
});
