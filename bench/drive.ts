// Device load for the browser benchmarks: ingests at a steady rate and remembers when each event was sent.
import type { Telemetry } from '../src/shared/fleet';

/** Ingest requests go out this often; the rate is spread over them. */
const TICK_MS = 50;

/** What one steady ingest run did. */
export interface DriveResult {
  /** Epoch ms each event's request was sent, by the id the server assigned. */
  sentAt: Map<string, number>;
  /** The truck of each event, by id. */
  truckOf: Map<string, string>;
  /** Epoch ms the first request was sent. */
  startedAt: number;
}

/**
 * Posts `rate` events/s for `seconds` to `baseUrl` with the acme device key; `sample(n)` makes the
 * n-th event (n from 1). Resolves when every request was answered; rejects on a refused one.
 */
export async function driveIngest(
  baseUrl: string,
  rate: number,
  seconds: number,
  sample: (n: number) => Telemetry,
): Promise<DriveResult> {
  const sentAt = new Map<string, number>();
  const truckOf = new Map<string, string>();
  const perTick = Math.max(1, Math.round((rate * TICK_MS) / 1000));
  const ticks = Math.round((seconds * 1000) / TICK_MS);
  const startedAt = Date.now();
  const inflight: Promise<void>[] = [];
  let n = 0;
  for (let tick = 0; tick < ticks; tick += 1) {
    const items = Array.from({ length: perTick }, () => sample(++n));
    const sent = Date.now();
    inflight.push(
      fetch(`${baseUrl}/api/ingest`, {
        method: 'POST',
        headers: { authorization: 'Bearer demo-acme', 'content-type': 'application/json' },
        body: JSON.stringify(items),
      }).then(async (r) => {
        if (!r.ok) throw new Error(`ingest: ${r.status} ${await r.text()}`);
        const ids = ((await r.json()) as { ids: string[] }).ids;
        ids.forEach((id, k) => {
          sentAt.set(id, sent);
          truckOf.set(id, items[k]!.truckId);
        });
      }),
    );
    await new Promise((r) => setTimeout(r, Math.max(0, startedAt + (tick + 1) * TICK_MS - Date.now())));
  }
  await Promise.all(inflight);
  return { sentAt, truckOf, startedAt };
}
