/** Shared helpers of the server tests: a fresh app per test, login by inject, a small SSE reader over node:http. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll } from 'vitest';
import { buildApp, type AppOptions } from '../../server/app';
import { loadConfig, type Config } from '../../server/config';
import type { Database } from '../../server/store';
import type { Telemetry } from '../../src/shared/fleet';
import { freshDatabase } from '../support/database';

let shared: Promise<Database> | null = null;
/**
 * One embedded database per test file, shared by its apps (demo data is seeded idempotently by each);
 * closed and removed after the file.
 */
export function testDatabase(): Promise<Database> {
  shared ??= freshDatabase();
  return shared;
}
// Registered when a test file imports this module, so it runs after that file's tests.
afterAll(async () => {
  await (await shared)?.close();
  shared = null;
});

/**
 * A configuration for tests: demo data on, simulator off, no client build, and no practical per-key
 * ingest rate (one demo key carries every test's load; test/server/limits.test.ts tests the rate).
 */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({ FLEETWIRE_SIM_RATE: '0', FLEETWIRE_STATIC_DIR: '/nonexistent/fleetwire-test', FLEETWIRE_INGEST_RATE: '1000000' }),
    ...overrides,
  };
}

/** Builds a fresh app (not listening) with logging off. */
export async function makeApp(overrides: Partial<Config> = {}, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = await buildApp(testConfig(overrides), { logger: false, database: options.database ?? (await testDatabase()), ...options });
  await app.ready();
  return app;
}

/** Logs in through inject; returns the Cookie header value. */
export async function loginCookie(app: FastifyInstance, username = 'ana', password = 'fleetwire'): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/session', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  const c = res.cookies[0];
  if (!c) throw new Error('no session cookie');
  return `${c.name}=${c.value}`;
}

let tsCounter = 0;
/** A valid telemetry item for a truck; each call gets a later timestamp. */
export function sample(truckId = 'acme-01', overrides: Partial<Telemetry> = {}): Telemetry {
  return {
    truckId,
    ts: Date.now() + tsCounter++,
    lat: 51.9,
    lon: 4.48,
    speedKph: 80,
    headingDeg: 120,
    engineOn: true,
    ...overrides,
  };
}

/** Posts telemetry through inject with a device key. */
export function inject(app: FastifyInstance, items: unknown, key = 'demo-acme') {
  return app.inject({
    method: 'POST',
    url: '/api/ingest',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    payload: JSON.stringify(items),
  });
}

/** Listens on a free port; returns the base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** One parsed SSE event. */
export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

/** Reads an SSE response as it arrives. */
export class SseReader {
  readonly events: SseEvent[] = [];
  comments = 0;
  retry: number | null = null;
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  ended = false;
  private buffer = '';
  private waiters = new Set<() => void>();
  private req: http.ClientRequest | null = null;

  /** Opens `path` with the cookie and optional Last-Event-ID header; resolves once headers arrived. */
  static open(url: string, cookie: string, options: { path?: string; lastEventId?: string } = {}): Promise<SseReader> {
    const reader = new SseReader();
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { cookie, accept: 'text/event-stream' };
      if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
      const req = http.get(`${url}${options.path ?? '/api/stream'}`, { headers }, (res) => {
        reader.status = res.statusCode ?? 0;
        reader.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => reader.feed(chunk));
        res.on('end', () => reader.finish());
        res.on('close', () => reader.finish());
        res.on('error', () => reader.finish());
        resolve(reader);
      });
      req.on('error', (err) => {
        reader.finish();
        reject(err);
      });
      reader.req = req;
    });
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    let idx: number;
    while ((idx = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, idx);
      this.buffer = this.buffer.slice(idx + 2);
      let id: string | null = null;
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments++;
        else if (line.startsWith('id: ')) id = line.slice(4);
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
        else if (line.startsWith('retry: ')) this.retry = Number(line.slice(7));
      }
      if (data.length > 0) this.events.push({ id, event, data: data.join('\n') });
    }
    this.wake();
  }

  private finish(): void {
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters) w();
  }

  /** Waits until `done()` holds, re-checking on every chunk; rejects after `timeoutMs`. */
  async until(done: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
    if (done()) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (done()) {
          cleanup();
          resolve();
        } else if (this.ended) {
          cleanup();
          reject(new Error(`stream ended while waiting for ${what}; got ${JSON.stringify(this.events.map((e) => e.id))}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; got ${this.events.length} events`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Waits for at least `n` events. */
  waitForEvents(n: number, timeoutMs?: number): Promise<void> {
    return this.until(() => this.events.length >= n, `${n} events`, timeoutMs);
  }

  /** Waits for the server to end the stream. */
  waitForEnd(timeoutMs?: number): Promise<void> {
    return this.until(() => this.ended, 'the end of the stream', timeoutMs);
  }

  /** Events of one type. */
  ofType(type: string): SseEvent[] {
    return this.events.filter((e) => e.event === type);
  }

  /** Drops the connection from the client side. */
  close(): void {
    this.req?.destroy();
  }
}

/** Polls a synchronous check every 20 ms until it holds; rejects after `timeoutMs`, naming what it waited for. */
export async function waitUntil(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One of the first 20 demo trucks of acme, by any counter. */
export const acmeTruck = (k: number) => `acme-${String((k % 20) + 1).padStart(2, '0')}`;
