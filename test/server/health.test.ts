// /healthz answers anyone: it says whether the instance serves, never what failed behind it (hosts,
// credentials in a URL, a driver's error text); that detail goes to the server log.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { MemoryBus, type BusHealth } from '../../server/bus';
import { makeApp } from './helpers';

/** What a Redis bus reports when its server is gone: the words an attacker would like to read. */
const DETAIL =
  'Redis at redis://fleet:hunter2@10.9.8.7:6379 is unreachable (connect ECONNREFUSED 10.9.8.7:6379): events cannot be stored or streamed.';

/** A memory bus whose health is what the test says, as a Redis bus's would be. */
class BusWithHealth extends MemoryBus {
  answer: BusHealth = { ok: true };
  async health(): Promise<BusHealth> {
    return this.answer;
  }
}

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

describe('/healthz', () => {
  it('answers an anonymous 503 in generic words and logs the detail once', async () => {
    const bus = new BusWithHealth({ retention: 1000, epochMs: 1_700_000_000_000 });
    const log: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        log.push(chunk.toString());
        done();
      },
    });
    app = await makeApp({}, { bus, logger: { level: 'info', stream } });

    const healthy = await app.inject({ url: '/healthz' });
    expect(healthy.statusCode).toBe(200);
    expect(healthy.json()).toMatchObject({ status: 'ok' });

    bus.answer = { ok: false, message: DETAIL };
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({ url: '/healthz' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.json()).toEqual({ status: 'unavailable', error: 'unavailable', message: expect.any(String) });
      for (const secret of ['hunter2', '10.9.8.7', '6379', 'ECONNREFUSED', 'redis', 'Redis']) expect(res.body).not.toContain(secret);
    }
    // The operator of the server reads what failed, once per outage rather than once per probe.
    const logged = log.filter((line) => line.includes('hunter2'));
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!)).toMatchObject({ level: 50, detail: DETAIL, msg: '/healthz: unavailable' });

    bus.answer = { ok: true };
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect(log.some((line) => line.includes('/healthz: available again'))).toBe(true);
  });
});
