// Answers on the wire, through a real HTTP server and the real client build (dist/client, made by
// `npm run build` before the tests): brotli or gzip by Accept-Encoding for the client's files and the
// API, never for the stream; HEAD on the stream answers like GET without a body; HSTS only over HTTPS.
import http from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/server';
import { listen, loginCookie, makeApp } from './helpers';

const DIST = path.join(REPO_ROOT, 'dist/client');

let app: FastifyInstance;
let url: string;
let cookie: string;

beforeAll(async () => {
  if (!existsSync(path.join(DIST, 'index.html'))) throw new Error('dist/client is not built: `npm test` builds it before the tests (npm run build)');
  app = await makeApp({ staticDir: DIST, trustProxy: '127.0.0.1' });
  url = await listen(app);
  cookie = await loginCookie(app);
});

afterAll(async () => {
  await app?.close();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  httpVersion: string;
}

/** One request with node:http (which parses the status line and headers strictly); the body as sent on the wire. */
function request(pathname: string, options: { method?: string; headers?: Record<string, string>; httpVersion10?: boolean; firstChunkOnly?: boolean } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${pathname}`, { method: options.method ?? 'GET', headers: { cookie, ...options.headers } }, (res) => {
      const chunks: Buffer[] = [];
      const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), httpVersion: res.httpVersion });
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (options.firstChunkOnly) {
          req.destroy();
          done();
        }
      });
      res.on('end', done);
    });
    req.on('error', (err) => (options.firstChunkOnly ? undefined : reject(err)));
    req.end();
  });
}

function decoded(answer: Answer): Buffer {
  const encoding = answer.headers['content-encoding'];
  if (encoding === 'br') return brotliDecompressSync(answer.body);
  if (encoding === 'gzip') return gunzipSync(answer.body);
  return answer.body;
}

/** The dashboard's entry script and style, as index.html names them. */
function entryFiles(): { js: string; css: string } {
  const html = readFileSync(path.join(DIST, 'index.html'), 'utf8');
  const js = /<script[^>]*src="([^"]+\.js)"/.exec(html)?.[1];
  const css = /<link[^>]*href="([^"]+\.css)"/.exec(html)?.[1];
  if (!js || !css) throw new Error('index.html names no entry script or style');
  return { js, css };
}

describe('compression', () => {
  it('sends the client’s scripts, styles and pages brotli or gzip by Accept-Encoding, the same bytes once decoded', async () => {
    const { js, css } = entryFiles();
    for (const [pathname, file] of [
      [js, js],
      [css, css],
      ['/', '/index.html'],
      ['/trucks/acme-01', '/index.html'],
      ['/sw.js', '/sw.js'],
    ] as const) {
      const raw = readFileSync(path.join(DIST, file));
      for (const [accept, expected] of [
        ['br, gzip', 'br'],
        ['gzip', 'gzip'],
        ['identity', undefined],
      ] as const) {
        const answer = await request(pathname, { headers: { 'accept-encoding': accept } });
        expect(answer.status, `${pathname} ${accept}`).toBe(200);
        expect(answer.headers['content-encoding'], `${pathname} ${accept}`).toBe(expected);
        expect(String(answer.headers.vary), `${pathname} ${accept}`).toMatch(/accept-encoding/i);
        expect(decoded(answer).equals(raw), `${pathname} ${accept}: the bytes of the build`).toBe(true);
        if (expected) expect(answer.body.length, `${pathname} ${accept}`).toBeLessThan(raw.length / 2);
      }
    }
  });

  it('compresses API answers (brotli or gzip), never the stream', async () => {
    const plain = await request('/api/fleet', { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    for (const encoding of ['br', 'gzip'] as const) {
      const answer = await request('/api/fleet', { headers: { 'accept-encoding': encoding } });
      expect(answer.status).toBe(200);
      expect(answer.headers['content-encoding']).toBe(encoding);
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(JSON.parse(decoded(answer).toString('utf8'))).toEqual(JSON.parse(plain.body.toString('utf8')));
      expect(answer.body.length).toBeLessThan(plain.body.length / 2);
    }
    const stream = await request('/api/stream', { headers: { 'accept-encoding': 'br, gzip' }, firstChunkOnly: true });
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(stream.headers['content-encoding']).toBeUndefined();
    expect(stream.body.toString('utf8')).toMatch(/^retry: \d+/);
  });
});

describe('HTTP correctness', () => {
  it('answers HEAD /api/stream like GET without a body, parsed by a real HTTP client', async () => {
    const head = await request('/api/stream', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.httpVersion).toBe('1.1');
    expect(head.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(head.body.length).toBe(0);
    // fetch (undici) is stricter still about what comes back.
    const res = await fetch(`${url}/api/stream`, { method: 'HEAD', headers: { cookie } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    // Nothing was left open by it.
    expect(app.fleetwire.broadcaster.size).toBe(0);
  });

  it('sends HSTS over HTTPS (here: a trusted proxy that says so) and never over plain HTTP', async () => {
    const plain = await request('/api/me');
    expect(plain.headers['strict-transport-security']).toBeUndefined();
    const proxied = await request('/api/me', { headers: { 'x-forwarded-proto': 'https' } });
    expect(proxied.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  });
});
