// Properties: the memory bus resumes exactly or resets, and no ingest body makes the server fail or half-store.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { MemoryBus } from '../../server/bus';
import type { FleetSnapshot } from '../../src/shared/fleet';
import { loginCookie, makeApp } from './helpers';

const telemetry = (i: number) => ({
  type: 'telemetry' as const,
  data: { truckId: 'acme-01', ts: 1_700_000_000_000 + i, lat: 0, lon: 0, speedKph: 0, headingDeg: 0 },
});

describe('MemoryBus replay', () => {
  it('returns exactly the events after an id while they are all retained, and reset otherwise', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 12 }),
        fc.nat(),
        (retention, batches, pick) => {
          const bus = new MemoryBus({ retention, epochMs: 1_000 });
          const all: string[] = [];
          let i = 0;
          for (const size of batches) {
            all.push(...bus.publishNow('acme', Array.from({ length: size }, () => telemetry(i++))).map((e) => e.id));
          }
          const n = all.length;
          const k = n === 0 ? 0 : pick % (n + 1); // resume after the k-th event (0 = before the first)
          const replay = bus.replayNow('acme', `1000-${k}`);
          if (n - k <= retention) {
            expect(replay).not.toBe('reset');
            expect((replay as { id: string }[]).map((e) => e.id)).toEqual(all.slice(k));
          } else {
            expect(replay).toBe('reset');
          }
          expect(bus.replayNow('acme', `999-${k}`)).toBe('reset');
          expect(bus.replayNow('acme', `1000-${n + 1}`)).toBe('reset');
          // Another tenant's ring is untouched.
          expect(bus.replayNow('globex', '1000-0')).toEqual([]);
        },
      ),
    );
  });
});

describe('ingest under arbitrary bodies', () => {
  let app: FastifyInstance;
  let cookie: string;
  beforeAll(async () => {
    app = await makeApp();
    cookie = await loginCookie(app);
  });
  afterAll(async () => {
    await app.close();
  });

  const almostTelemetry = fc.record(
    {
      truckId: fc.oneof(fc.constantFrom('acme-01', 'acme-24', 'globex-01', 'acme-99', ''), fc.string()),
      ts: fc.oneof(fc.integer(), fc.constant(Date.now()), fc.string(), fc.constant('2025-01-01T00:00:00Z')),
      lat: fc.oneof(fc.double(), fc.integer({ min: -90, max: 90 })),
      lon: fc.oneof(fc.double(), fc.integer({ min: -180, max: 180 })),
      speedKph: fc.oneof(fc.double(), fc.nat({ max: 120 })),
      headingDeg: fc.oneof(fc.double(), fc.nat({ max: 359 })),
      fuelPct: fc.anything(),
    },
    { requiredKeys: [] },
  );

  it('answers 200, 400 or 403, never 5xx, and a refusal stores nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything(), almostTelemetry, fc.array(almostTelemetry, { maxLength: 5 })), async (body) => {
        const before = (await app.inject({ url: '/api/fleet', headers: { cookie } })).json() as FleetSnapshot;
        let payload: string;
        try {
          payload = JSON.stringify(body) ?? 'null';
        } catch {
          // BigInt and friends cannot be JSON: nothing to send.
          return;
        }
        const res = await app.inject({
          method: 'POST',
          url: '/api/ingest',
          headers: { authorization: 'Bearer demo-acme', 'content-type': 'application/json' },
          payload,
        });
        expect([200, 400, 403]).toContain(res.statusCode);
        const parsed = res.json() as { error?: unknown; message?: unknown; ids?: unknown };
        const after = (await app.inject({ url: '/api/fleet', headers: { cookie } })).json() as FleetSnapshot;
        if (res.statusCode === 200) {
          expect(Array.isArray(parsed.ids)).toBe(true);
        } else {
          expect(typeof parsed.error).toBe('string');
          expect(typeof parsed.message).toBe('string');
          expect(after).toEqual(before);
        }
      }),
      { numRuns: 200 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
